"""The one way the engine reports progress: `Emitter.emit(event)`.

Events go to stdout as JSON lines (the GUI reads them), or as short readable lines when
stdout is a terminal or `--pretty` was given, and optionally to a run's events.jsonl too.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import IO

from engine.contract.events import Event, Failed, Log, StepProgress
from engine.safety.secrets import scrub


class Emitter:
    """Writes each event once to every sink; safe to call from several threads."""

    def __init__(self, stream: IO[str] | None = None, pretty: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._pretty = self._stream.isatty() if pretty is None else pretty
        self._lock = threading.Lock()
        self._log_file: IO[str] | None = None
        self.history: list[Event] = []

    def write_also_to(self, path: Path) -> None:
        """Append every later event to `path` (a run's events.jsonl)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = path.open("a", encoding="utf-8")

    def emit(self, event: Event) -> None:
        line = scrub(event.to_line())  # never a Hugging Face token in a log (engine.safety)
        with self._lock:
            self.history.append(event)
            self._stream.write((scrub(self._readable(event)) if self._pretty else line) + "\n")
            self._stream.flush()
            if self._log_file is not None:
                try:
                    self._log_file.write(line + "\n")
                    self._log_file.flush()
                except OSError:
                    # A full disk must not turn a progress line into a crash; the checkpoint
                    # writer reports disk-full on its own with a proper error event.
                    pass

    def close(self) -> None:
        with self._lock:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    @staticmethod
    def _readable(event: Event) -> str:
        if isinstance(event, StepProgress):
            return (
                f"step {event.step}/{event.total_steps}  loss {event.loss:.4f}  "
                f"lr {event.learning_rate:.2e}  {event.tokens_per_second:,.0f} tok/s  "
                f"eta {event.eta_seconds:,.0f}s"
            )
        if isinstance(event, Log):
            return event.message
        if isinstance(event, Failed):
            return f"FAILED ({event.kind.value}): {event.message}"
        body = {k: v for k, v in event.to_dict().items() if k not in ("v", "type", "time")}
        return f"{event.TYPE}: {body}"
