"""Plain-language text for an engine failure on the Model and Data pages.

GUI-core's `gui.messages` words every error kind with a next step; this module asks it first
and falls back to the engine's own sentence (already plain language) while it is missing.
"""

from __future__ import annotations

from engine.contract.events import Failed


def failure_text(event: Failed) -> str:
    """The engine's sentence plus, where gui.messages knows the kind, what to do next."""
    try:
        from gui import messages
    except ImportError:
        return event.message or "Something went wrong in Quillora's engine. Try again."
    describe = getattr(messages, "describe_failure", None) or getattr(messages, "message_for", None)
    if describe is None:
        return event.message
    try:
        worded = describe(event)
    except TypeError:
        worded = describe(event.kind)
    title = getattr(worded, "title", "")
    next_step = getattr(worded, "next_step", "")
    parts = [str(p) for p in (title, event.message, next_step) if p]
    return "\n".join(dict.fromkeys(parts)) if parts else str(worded)
