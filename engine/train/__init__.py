"""The project's own QLoRA training loop, split by concern (see loop.py for the top)."""
