"""The unit the data readers produce and the trainer consumes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """One thing the model learns from.

    With `prompt` set, the model learns to answer the prompt with `response` (loss on the
    response only, formatted with the model's chat template). With `prompt` None the example
    is plain prose: the model learns to write like `response` (loss on the whole text).
    `source` says where it came from ("notes/launch.md#3", "posts.csv:17") for the preview,
    the manifest and error messages; it never holds the user's text.
    """

    response: str
    prompt: str | None = None
    system: str | None = None
    source: str = ""

    @property
    def is_prose(self) -> bool:
        return self.prompt is None
