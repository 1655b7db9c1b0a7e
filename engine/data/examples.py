"""The unit the data readers produce and the trainer consumes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["user", "assistant"]
Turn = tuple[Role, str]


@dataclass(frozen=True)
class Example:
    """One thing the model learns from.

    With `prompt` set, the model learns to answer the prompt with `response` (loss on the
    response only, formatted with the model's chat template). With `prompt` None the example
    is plain prose: the model learns to write like `response` (loss on the whole text).
    `history` holds the turns of a longer conversation before `prompt`, oldest first: the
    model learns every assistant turn in it as well as `response`, each one reading the
    whole conversation before it (see engine.prompt_format).
    `source` says where it came from ("notes/launch.md#3", "posts.csv:17") for the preview,
    the manifest and error messages; it never holds the user's text.
    """

    response: str
    prompt: str | None = None
    system: str | None = None
    source: str = ""
    history: tuple[Turn, ...] = ()

    @property
    def is_prose(self) -> bool:
        return self.prompt is None

    @property
    def replies(self) -> int:
        """How many assistant turns the model learns from this example."""
        return 0 if self.is_prose else 1 + sum(1 for role, _ in self.history if role == "assistant")
