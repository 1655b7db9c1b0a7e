"""The Share step's engine side: `engine export` as a child process, and LM Studio copies.

`export_arguments` builds the command line (pure, so tests check it); `ExportController`
runs it through EngineProcess and reports ExportProgress / ExportFinished / Failed as
signals. Overwriting is never decided here: the page asks first, then passes
`overwrite=True`. Copying a finished GGUF folder into LM Studio's models folder happens on
a worker thread with shutil (the engine's CLI copies only as part of an export).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.contract.errors import ErrorKind
from engine.contract.events import (
    Event,
    ExportFinished,
    ExportProgress,
    Failed,
    Log,
    Report,
)
from engine.contract.gguf_types import DEFAULT_GGUF_TYPE, GGUF_TYPES
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess

FORMATS = ("adapter", "merged", "gguf")
QUANTS = GGUF_TYPES


@dataclass(frozen=True)
class ExportRequest:
    run_dir: Path
    format: str
    out: Path
    quant: str = DEFAULT_GGUF_TYPE
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")
        if self.quant not in QUANTS:
            raise ValueError(f"quant must be one of {QUANTS}")


def export_arguments(request: ExportRequest) -> list[str]:
    """The engine arguments for one export (after the program that starts the engine).

    Ollama is not run by the engine: the page runs `ollama create` itself, with progress.
    """
    args = [
        "export",
        "--run",
        str(request.run_dir),
        "--format",
        request.format,
        "--out",
        str(request.out),
    ]
    if request.format == "gguf":
        args += ["--quantization", request.quant, "--no-ollama"]
    if request.overwrite:
        args.append("--overwrite")
    return args


def needs_overwrite(out: Path) -> bool:
    """True when `out` already holds something: the user must agree before it is replaced."""
    out = Path(out)
    if out.is_file():
        return True
    try:
        return out.is_dir() and any(out.iterdir())
    except OSError:
        return False


def lmstudio_destination(gguf_path: Path, models: Path) -> Path:
    """Where the export's <publisher>/<model>/ folder lands inside LM Studio's models."""
    model_folder = Path(gguf_path).parent
    return models / model_folder.parent.name / model_folder.name


class ExportController(QObject):
    """Runs one export at a time; states: idle, exporting, finished, failed."""

    sig_progress = Signal(str, int, int)  # stage, done, total
    sig_finished = Signal(object)  # ExportFinished
    sig_failed = Signal(object)  # Failed (worded by gui.core.messages)
    sig_copied = Signal(str)  # the LM Studio folder a copy went to
    sig_copy_failed = Signal(str)

    def __init__(self, engine_base: Sequence[str] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._base = list(engine_base) if engine_base is not None else None
        self._process: EngineProcess | None = None
        self.state = "idle"
        self.report: dict[str, Any] = {}
        self.result: ExportFinished | None = None
        self._failed: Failed | None = None
        self.command: list[str] = []

    @property
    def busy(self) -> bool:
        return self.state == "exporting"

    def start(self, request: ExportRequest) -> None:
        if self.busy:
            return
        self.command = engine_command(*export_arguments(request), base=self._base)
        self.report, self.result, self._failed = {}, None, None
        process = EngineProcess(self.command, parent=self)
        process.sig_event.connect(self._on_engine_event)
        process.sig_exited.connect(self._on_engine_exited)
        self._process = process
        self.state = "exporting"
        process.start()

    def cancel(self) -> None:
        """Stop the export; the engine writes to a temporary folder, so nothing half-done stays."""
        if self._process is not None:
            self._process.stop_gracefully(timeout=3.0, kill_after=2.0)

    def shutdown(self, wait_ms: int = 3000) -> None:
        for child in self.findChildren(EngineProcess):
            child.kill_now()
            child.wait(wait_ms)

    def _on_engine_event(self, event: Event) -> None:
        if self.sender() is not self._process:
            return
        if isinstance(event, ExportProgress):
            self.sig_progress.emit(event.stage, event.done, event.total)
        elif isinstance(event, Report) and event.name == "export":
            self.report = dict(event.body)
        elif isinstance(event, ExportFinished):
            self.result = event
        elif isinstance(event, Failed):
            self._failed = event
        elif isinstance(event, Log):
            pass

    def _on_engine_exited(self, code: int) -> None:
        process = self._process
        if process is None or self.sender() is not process:
            return
        self._process = None
        if self.result is not None and code == 0:
            self.state = "finished"
            self.sig_finished.emit(self.result)
            return
        failed = self._failed or Failed(
            kind=ErrorKind.CANCELLED if code < 0 else ErrorKind.INTERNAL_ERROR,
            message="The export stopped before it finished; nothing was left half-written."
            if code < 0
            else "The export stopped unexpectedly.",
            detail=f"export exited with status {code}\n{process.stderr_tail()}",
        )
        self.state = "failed"
        self.sig_failed.emit(failed)

    # -- LM Studio ------------------------------------------------------------------------
    def copy_to_lmstudio(self, gguf_path: Path, models: Path, replace: bool = False) -> None:
        """Copy <publisher>/<model>/ into LM Studio's models folder on a worker thread."""
        dest = lmstudio_destination(gguf_path, models)
        threading.Thread(
            target=self._copy, args=(Path(gguf_path).parent, dest, replace), daemon=True
        ).start()

    def _copy(self, source: Path, dest: Path, replace: bool) -> None:
        staging = dest.parent / f".{dest.name}.partial"
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source, staging)
            if dest.exists():
                if not replace:
                    raise FileExistsError(f"LM Studio already has a model at {dest}.")
                shutil.rmtree(dest)
            staging.rename(dest)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            self.sig_copy_failed.emit(str(exc))  # signals cross threads safely (queued)
            return
        self.sig_copied.emit(str(dest))
