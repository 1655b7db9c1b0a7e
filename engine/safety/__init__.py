"""Guards that keep a user's work and machine safe: one training run at a time (run_lock),
folders written all-or-nothing (atomic), paths that stay inside their folder (paths), zip
documents opened only within size limits (archives), Hugging Face tokens masked in every
event line (secrets), and the clearly named test pause points (faults, inert by default).
See docs/RELIABILITY.md."""
