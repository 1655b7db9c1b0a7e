"""Events the engine emits, one JSON object per line, each with "v" and "type".

Every event is a frozen dataclass. `to_line()` writes it; `parse_line()` reads any line back
into the right class (unknown fields are ignored so an older GUI can read a newer engine, an
unknown type becomes `UnknownEvent` rather than a crash).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal

from engine.contract.chat_protocol import Variant
from engine.contract.errors import ErrorKind

PROTOCOL_VERSION = 1

# Why a run that kept its adapter ended: trained to the end (of the epochs, or of a
# --max-steps cap), the user's Stop, or early stopping when the held-out loss stopped improving.
FinishReason = Literal["completed", "max_steps", "stopped", "early_stopped"]
LogLevel = Literal["info", "warning"]


def _now() -> float:
    return round(time.time(), 3)


@dataclass(frozen=True)
class Event:
    """Base class: every event carries the wall-clock time it was made."""

    TYPE: ClassVar[str] = "event"
    time: float = field(default_factory=_now, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        for key, value in body.items():
            if isinstance(value, ErrorKind):
                body[key] = value.value
        return {"v": PROTOCOL_VERSION, "type": self.TYPE, **body}

    def to_line(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class RunStarted(Event):
    TYPE: ClassVar[str] = "run_started"
    run_dir: str
    model: str
    device: str
    resumed_from_step: int = 0


@dataclass(frozen=True)
class DownloadProgress(Event):
    TYPE: ClassVar[str] = "download_progress"
    model: str
    downloaded_bytes: int
    total_bytes: int
    bytes_per_second: float = 0.0


@dataclass(frozen=True)
class DataPrepared(Event):
    TYPE: ClassVar[str] = "data_prepared"
    examples: int
    train_examples: int
    heldout_examples: int
    dropped: int
    total_tokens: int
    packed_rows: int
    duplicates: int = 0
    too_long: int = 0
    too_short: int = 0


@dataclass(frozen=True)
class StepProgress(Event):
    TYPE: ClassVar[str] = "step_progress"
    step: int
    total_steps: int
    loss: float
    learning_rate: float
    tokens_per_second: float
    memory_gib: float
    eta_seconds: float
    epoch: float = 0.0
    grad_norm: float = 0.0


@dataclass(frozen=True)
class Evaluation(Event):
    TYPE: ClassVar[str] = "evaluation"
    step: int
    heldout_loss: float
    best_loss: float
    improved: bool
    patience_left: int


@dataclass(frozen=True)
class CheckpointSaved(Event):
    TYPE: ClassVar[str] = "checkpoint_saved"
    step: int
    path: str


@dataclass(frozen=True)
class MicroBatchReduced(Event):
    """Out of GPU memory: the engine halved the micro-batch and continues from `step`."""

    TYPE: ClassVar[str] = "micro_batch_reduced"
    step: int
    micro_batch_size: int
    accumulation_steps: int


@dataclass(frozen=True)
class Paused(Event):
    TYPE: ClassVar[str] = "paused"
    step: int


@dataclass(frozen=True)
class Resumed(Event):
    TYPE: ClassVar[str] = "resumed"
    step: int


@dataclass(frozen=True)
class Finished(Event):
    """The run ended with a usable adapter; `reason` says why it ended."""

    TYPE: ClassVar[str] = "finished"
    run_dir: str
    adapter_dir: str
    steps: int
    final_loss: float
    best_heldout_loss: float | None
    seconds: float
    reason: FinishReason = "completed"
    tokens_seen: int = 0  # real (non-pad) tokens trained on, over all processes
    processes: int = 1  # training processes (more than one under accelerate launch)


@dataclass(frozen=True)
class Failed(Event):
    TYPE: ClassVar[str] = "failed"
    kind: ErrorKind
    message: str
    detail: str = ""
    resumable: bool = False


@dataclass(frozen=True)
class Log(Event):
    TYPE: ClassVar[str] = "log"
    message: str
    level: LogLevel = "info"


@dataclass(frozen=True)
class Report(Event):
    """A JSON document answering a command (doctor, selftest, export summary)."""

    TYPE: ClassVar[str] = "report"
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ChatReady(Event):
    TYPE: ClassVar[str] = "chat_ready"
    model: str
    adapter: str | None
    load_seconds: float


@dataclass(frozen=True)
class ChatToken(Event):
    TYPE: ClassVar[str] = "chat_token"
    request_id: str
    text: str
    variant: Variant = "tuned"


@dataclass(frozen=True)
class ChatDone(Event):
    TYPE: ClassVar[str] = "chat_done"
    request_id: str
    text: str
    new_tokens: int
    seconds: float
    first_token_seconds: float
    stopped: bool = False
    variant: Variant = "tuned"


@dataclass(frozen=True)
class ExportProgress(Event):
    TYPE: ClassVar[str] = "export_progress"
    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class ExportFinished(Event):
    TYPE: ClassVar[str] = "export_finished"
    format: str
    path: str
    size_bytes: int
    next_step: str = ""


@dataclass(frozen=True)
class UnknownEvent(Event):
    """A line of a type this version does not know; kept whole so nothing is lost."""

    TYPE: ClassVar[str] = "unknown"
    raw: dict[str, Any]


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        RunStarted,
        DownloadProgress,
        DataPrepared,
        StepProgress,
        Evaluation,
        CheckpointSaved,
        MicroBatchReduced,
        Paused,
        Resumed,
        Finished,
        Failed,
        Log,
        Report,
        ChatReady,
        ChatToken,
        ChatDone,
        ExportProgress,
        ExportFinished,
    )
}


class ProtocolError(ValueError):
    """A line from the engine that is not a valid event."""


def from_dict(data: dict[str, Any]) -> Event:
    """Build the event a decoded JSON object describes."""
    if not isinstance(data, dict) or "type" not in data or "v" not in data:
        raise ProtocolError("an event needs 'v' and 'type'")
    cls = EVENT_TYPES.get(str(data["type"]))
    if cls is None:
        return UnknownEvent(raw=data)
    known = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in known}
    if cls is Failed:
        try:
            kwargs["kind"] = ErrorKind(kwargs.get("kind", ErrorKind.INTERNAL_ERROR.value))
        except ValueError:
            kwargs["kind"] = ErrorKind.INTERNAL_ERROR
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ProtocolError(f"bad {cls.TYPE} event: {exc}") from exc


def parse_line(line: str) -> Event:
    """Parse one JSON line from the engine; raise ProtocolError if it is not an event."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {line[:120]!r}") from exc
    return from_dict(data)
