"""The Welcome step: what Quillora does, and the one-click offline demo."""
