"""Quillora's desktop app (PySide6). Never imports the ML stack; see docs/architecture.md."""
