"""Keeping Hugging Face tokens out of everything the engine writes.

The token lives in the OS keyring and reaches the engine only as HF_TOKEN in its environment.
It can still end up in a message by accident: a user pasting it into the model field, or a
library quoting a request. `scrub` replaces the environment's token values and anything shaped
like a Hugging Face token (`hf_` + 30 or more letters and digits) before a line is written.
"""

from __future__ import annotations

import os
import re

TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
MASK = "hf_***"
_SHAPE = re.compile(r"hf_[A-Za-z0-9]{30,}")


def scrub(text: str) -> str:
    """`text` with every Hugging Face token in it masked."""
    for name in TOKEN_ENV:
        value = os.environ.get(name, "")
        if len(value) >= 8 and value in text:
            text = text.replace(value, MASK)
    if "hf_" in text:
        text = _SHAPE.sub(MASK, text)
    return text
