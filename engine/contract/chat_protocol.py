"""Requests the GUI writes to `python -m engine chat` on stdin, one JSON object per line.

Standard library only, so the GUI can import it. Three kinds of request:

- `generate`: answer a conversation (`messages`, an optional `system` instruction, sampling
  settings, a `seed`, and which `variant` answers: the tuned model, the base model, or
  "other", a second run's adapter on the same base (`engine chat --other RUN`));
- `stop`: end the reply in progress (its `id`, or whichever is running when `id` is empty);
- `quit`: stop the reply in progress, answer queued requests as stopped, and leave (the end
  of stdin instead lets queued requests finish first).

The engine answers with ChatReady / ChatToken / ChatDone events (engine.contract.events).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

Variant = Literal["tuned", "base", "other"]
VARIANTS = ("tuned", "base", "other")
ROLES = ("system", "user", "assistant")


class ChatProtocolError(ValueError):
    """A request line that cannot be understood; the message says what is wrong."""


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ChatProtocolError(f"a message role must be one of {ROLES}, not {self.role!r}")
        if not isinstance(self.content, str):
            raise ChatProtocolError("a message's content must be text")


@dataclass(frozen=True)
class Sampling:
    """How the model writes: what the creativity slider and the length limit set.

    One definition for the GUI (which fills it from its controls), the request defaults below,
    and the engine's token loop (engine.chat.decoding).
    """

    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 256
    seed: int = 0
    # Words among the last REPEAT_WINDOW tokens become less likely (llama.cpp's and Ollama's
    # default, 1.1 over 64): small models otherwise fall into saying one phrase again and
    # again ("a little bit of Foghorn, a little bit of Foghorn, ..."). 1.0 turns it off.
    repetition_penalty: float = 1.1


REPEAT_WINDOW = 64
_DEFAULT = Sampling()


@dataclass(frozen=True)
class GenerateRequest:
    """Answer `messages` (the last one is the user's turn) with the chosen variant."""

    TYPE: ClassVar[str] = "generate"
    id: str
    messages: tuple[Message, ...]
    system: str = ""
    temperature: float = field(
        default=_DEFAULT.temperature, metadata={"help": "0 = always the likeliest word."}
    )
    top_p: float = field(
        default=_DEFAULT.top_p, metadata={"help": "Sample only from the top words."}
    )
    max_new_tokens: int = field(
        default=_DEFAULT.max_new_tokens, metadata={"help": "Length limit of the reply."}
    )
    seed: int = _DEFAULT.seed
    variant: Variant = "tuned"
    repetition_penalty: float = field(
        default=_DEFAULT.repetition_penalty,
        metadata={"help": "Above 1, words just written are less likely again."},
    )

    def __post_init__(self) -> None:
        if not self.id:
            raise ChatProtocolError("a generate request needs an id")
        if not self.messages:
            raise ChatProtocolError("a generate request needs at least one message")
        if not 0.0 <= self.temperature <= 5.0:
            raise ChatProtocolError("temperature must be between 0 and 5")
        if not 0.0 < self.top_p <= 1.0:
            raise ChatProtocolError("top_p must be above 0 and at most 1")
        if not 1 <= self.max_new_tokens <= 32768:
            raise ChatProtocolError("max_new_tokens must be between 1 and 32768")
        if self.variant not in VARIANTS:
            raise ChatProtocolError("variant must be 'tuned', 'base' or 'other'")
        if not 1.0 <= self.repetition_penalty <= 2.0:
            raise ChatProtocolError("repetition_penalty must be between 1 and 2")

    @property
    def sampling(self) -> Sampling:
        return Sampling(
            self.temperature, self.top_p, self.max_new_tokens, self.seed, self.repetition_penalty
        )

    def chat_messages(self) -> list[dict[str, str]]:
        """The conversation as chat-template dicts, the system instruction first."""
        turns = [{"role": m.role, "content": m.content} for m in self.messages]
        if self.system and not (turns and turns[0]["role"] == "system"):
            turns.insert(0, {"role": "system", "content": self.system})
        return turns


@dataclass(frozen=True)
class StopRequest:
    TYPE: ClassVar[str] = "stop"
    id: str = ""


@dataclass(frozen=True)
class QuitRequest:
    TYPE: ClassVar[str] = "quit"


ChatRequest = GenerateRequest | StopRequest | QuitRequest


def to_line(request: ChatRequest) -> str:
    """One JSON line for `request` (what the GUI writes to the engine's stdin)."""
    body: dict[str, Any] = {"type": request.TYPE, **asdict(request)}
    return json.dumps(body, ensure_ascii=False)


def parse_request(line: str) -> ChatRequest:
    """Read one request line; raise ChatProtocolError with a readable reason otherwise."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ChatProtocolError(f"not JSON: {line[:120]!r}") from exc
    if not isinstance(data, dict):
        raise ChatProtocolError("a request must be a JSON object")
    kind = data.get("type")
    try:
        if kind == "generate":
            messages = tuple(
                Message(role=str(m["role"]), content=m["content"]) for m in data["messages"]
            )
            return GenerateRequest(
                id=str(data["id"]),
                messages=messages,
                system=str(data.get("system", "")),
                temperature=float(data.get("temperature", _DEFAULT.temperature)),
                top_p=float(data.get("top_p", _DEFAULT.top_p)),
                max_new_tokens=int(data.get("max_new_tokens", _DEFAULT.max_new_tokens)),
                seed=int(data.get("seed", _DEFAULT.seed)),
                variant=data.get("variant", "tuned"),
                repetition_penalty=float(
                    data.get("repetition_penalty", _DEFAULT.repetition_penalty)
                ),
            )
        if kind == "stop":
            return StopRequest(id=str(data.get("id", "")))
        if kind == "quit":
            return QuitRequest()
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ChatProtocolError):
            raise
        raise ChatProtocolError(f"bad {kind} request: {exc}") from exc
    raise ChatProtocolError(f"unknown request type {kind!r}")
