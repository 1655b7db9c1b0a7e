"""Guards that keep a user's work and machine safe: one run at a time, paths that stay inside
their folder, archives opened only within size limits, secrets kept out of logs, and the
clearly named fault hooks the reliability tests use (inert unless switched on)."""
