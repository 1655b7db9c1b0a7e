"""Plain-language text for an engine failure on the Model and Data pages.

`gui.core.messages` (GUI-core) words every error kind with a title and a next step; the engine's
own sentence sits in the middle because it names the user's file or model.
"""

from __future__ import annotations

from engine.contract.events import Failed
from gui.core.messages import message_for


def failure_text(event: Failed) -> str:
    """Title, the engine's sentence (or the kind's generic one), and what to do next."""
    worded = message_for(event.kind)
    parts = [worded.title, event.message or worded.message, worded.next_step]
    return "\n".join(dict.fromkeys(p for p in parts if p))
