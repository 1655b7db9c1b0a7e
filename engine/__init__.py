"""Quillora's engine: data ingestion, 4-bit QLoRA training, chat and export.

The `engine.contract` package is standard-library only and may be imported by the GUI; every
other module here loads the ML stack and runs only inside the engine process.
"""

from __future__ import annotations

__version__ = "0.1.0"
