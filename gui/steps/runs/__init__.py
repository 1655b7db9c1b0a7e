"""The Runs step: every run trained, its detail report, resume and delete."""
