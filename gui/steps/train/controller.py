"""The training run's state machine: what the Train page shows and what its buttons may do.

`RunController` owns the engine child of one training run (an `EngineProcess`, or a
`RunWatcher` when it reattaches to a run left training in the background) and moves through
explicit states:

    idle -> preparing -> training <-> paused
                  \\          \\-> finishing (stop and save / cancel asked) -/
                   \\-> finished | stopped | failed | cancelled   (when the child exits)

The final state is decided when the child exits, from the last `finished` or `failed` event;
a child that exits without either is a crash: `failed` with internal_error and the end of its
stderr as the detail. Widgets connect to the signals; each carries one event dataclass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.contract.config import RunConfig
from engine.contract.errors import ErrorKind
from engine.contract.events import (
    CheckpointSaved,
    DataPrepared,
    DownloadProgress,
    Evaluation,
    Event,
    Failed,
    Finished,
    Log,
    MicroBatchReduced,
    Paused,
    Resumed,
    RunStarted,
    StepProgress,
)
from engine.contract.paths import runs_dir
from gui.core import run_files
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess
from gui.core.run_watcher import RunWatcher


class RunState(str, Enum):
    IDLE = "idle"
    PREPARING = "preparing"
    TRAINING = "training"
    PAUSED = "paused"
    FINISHING = "finishing"
    FINISHED = "finished"
    FAILED = "failed"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


ACTIVE_STATES = frozenset(
    {RunState.PREPARING, RunState.TRAINING, RunState.PAUSED, RunState.FINISHING}
)


def new_run_dir(config: RunConfig, root: Path | None = None) -> Path:
    """A fresh folder named <date-time>-<slug> under the runs folder."""
    slug_source = config.name or Path(config.model.name).name or "run"
    slug = re.sub(r"[^a-z0-9]+", "-", slug_source.lower()).strip("-")[:40] or "run"
    base = (root or runs_dir()) / f"{datetime.now():%Y%m%d-%H%M%S}-{slug}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def train_arguments(config_path: Path, run_dir: Path, resume: bool) -> list[str]:
    """The engine's command line for a training run (engine/commands/train.py).

    A new run passes the whole configuration (already derived from the dial by the Train
    page) with --config; a resumed run names only its folder: the engine rereads run.json.
    """
    if resume:
        return ["train", "--resume", str(run_dir)]
    return ["train", "--config", str(config_path), "--output", str(run_dir)]


class RunController(QObject):
    """Starts, controls and follows one training run at a time."""

    sig_state_changed = Signal(object)  # RunState
    sig_run_started = Signal(object)  # RunStarted
    sig_download = Signal(object)  # DownloadProgress
    sig_data_prepared = Signal(object)  # DataPrepared
    sig_progress = Signal(object)  # StepProgress
    sig_evaluation = Signal(object)  # Evaluation
    sig_checkpoint = Signal(object)  # CheckpointSaved
    sig_log = Signal(object)  # Log
    sig_notice = Signal(str)  # a plain sentence worth showing (memory fallback, ...)
    sig_protocol_error = Signal(str)
    sig_finished = Signal(object)  # Finished (completed, early-stopped or stopped-and-saved)
    sig_failed = Signal(object)  # Failed (also for a crash without a failed event)

    def __init__(
        self,
        engine_base: Sequence[str] | None = None,
        *,
        stop_timeout: float = 120.0,
        kill_after: float = 10.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine_base = list(engine_base) if engine_base is not None else None
        self.stop_timeout = stop_timeout
        self.kill_after = kill_after
        self._state = RunState.IDLE
        self._child: EngineProcess | RunWatcher | None = None
        self._run_dir: Path | None = None
        self._finished: Finished | None = None
        self._failed: Failed | None = None
        self._stop_requested = False
        self._cancel_requested = False
        self.protocol_errors = 0
        self.last_progress: StepProgress | None = None

    # -- state ----------------------------------------------------------------------------
    @property
    def state(self) -> RunState:
        return self._state

    @property
    def run_dir(self) -> Path | None:
        return self._run_dir

    @property
    def is_active(self) -> bool:
        return self._state in ACTIVE_STATES

    @property
    def is_attached(self) -> bool:
        return isinstance(self._child, RunWatcher)

    def _set_state(self, state: RunState) -> None:
        if state != self._state:
            self._state = state
            self.sig_state_changed.emit(state)

    # -- commands -------------------------------------------------------------------------
    def start(self, config: RunConfig, run_dir: Path | None = None) -> Path:
        """Start training `config` in `run_dir` (a new folder if None); returns the folder."""
        run_dir = run_dir or new_run_dir(config)
        run_dir.mkdir(parents=True, exist_ok=True)
        request = run_dir / run_files.REQUEST_FILE
        request.write_text(config.to_json(), encoding="utf-8")
        self._launch(run_dir, train_arguments(request, run_dir, resume=False))
        return run_dir

    def resume_run(self, run_dir: Path) -> None:
        """Continue a stopped or interrupted run from its last checkpoint."""
        self._launch(run_dir, train_arguments(run_dir / run_files.REQUEST_FILE, run_dir, True))

    def _launch(self, run_dir: Path, arguments: list[str]) -> None:
        if self.is_active:
            raise RuntimeError("A run is already in progress.")
        self._reset(run_dir)
        child = EngineProcess(
            engine_command(*arguments, base=self._engine_base),
            stderr_path=run_dir / run_files.STDERR_FILE,
            events_path=run_dir / run_files.STDOUT_FILE,
            parent=self,
        )
        self._connect(child)
        self._set_state(RunState.PREPARING)
        child.start()
        if child.pid is not None:
            run_files.write_pid(run_dir, child.pid)

    def attach(self, run_dir: Path) -> bool:
        """Follow a run that is training in the background; False if it is not running."""
        if self.is_active:
            return False
        pid = run_files.read_pid(run_dir)
        if not run_files.pid_alive(pid):
            return False
        events = run_dir / run_files.STDOUT_FILE
        if not events.exists():
            events = run_dir / run_files.EVENTS_FILE
        self._reset(run_dir)
        watcher = RunWatcher(events, pid, parent=self)
        self._connect(watcher)
        self._set_state(RunState.PREPARING)
        watcher.start()
        return True

    def pause(self) -> bool:
        return self._state == RunState.TRAINING and self._send("pause")

    def resume(self) -> bool:
        return self._state == RunState.PAUSED and self._send("resume")

    def stop_and_save(self) -> None:
        """Ask the engine to save a usable adapter and exit; Stop always wins in the end."""
        if not self.is_active or self._child is None or self._cancel_requested:
            return
        self._stop_requested = True
        self._set_state(RunState.FINISHING)
        self._child.stop_gracefully(self.stop_timeout, self.kill_after, command="stop")

    def cancel(self) -> None:
        """Stop without saving an adapter (the last checkpoint stays for a later resume)."""
        if not self.is_active or self._child is None:
            return
        self._cancel_requested = True
        self._set_state(RunState.FINISHING)
        self._child.stop_gracefully(min(self.stop_timeout, 15.0), self.kill_after, "cancel")

    def keep_in_background(self) -> None:
        """Stop following the run and leave the engine training on its own."""
        if self._child is not None:
            self._child.detach()
            self._child.wait(3000)
            self._child = None
        self._set_state(RunState.IDLE)

    def shutdown(self, wait_ms: int = 5000) -> None:
        """For the app's exit and tests: kill a child we own, join the reader thread."""
        child = self._child
        if child is None:
            return
        if isinstance(child, EngineProcess):
            child.kill_now()
        else:
            child.detach()
        child.wait(wait_ms)

    def _send(self, command: str) -> bool:
        return self._child is not None and self._child.send_command(command)  # type: ignore[arg-type]

    # -- events ---------------------------------------------------------------------------
    def _reset(self, run_dir: Path) -> None:
        self._run_dir = run_dir
        self._finished = None
        self._failed = None
        self._stop_requested = False
        self._cancel_requested = False
        self.protocol_errors = 0
        self.last_progress = None

    def _connect(self, child: EngineProcess | RunWatcher) -> None:
        self._child = child
        child.sig_event.connect(self._on_child_event)
        child.sig_protocol_error.connect(self._on_child_protocol_error)
        child.sig_exited.connect(self._on_child_exited)

    def _on_child_event(self, event: Event) -> None:
        if self.sender() is not self._child:
            return
        if isinstance(event, StepProgress):
            self.last_progress = event
            if self._state == RunState.PREPARING:
                self._set_state(RunState.TRAINING)
            self.sig_progress.emit(event)
        elif isinstance(event, Evaluation):
            self.sig_evaluation.emit(event)
        elif isinstance(event, RunStarted):
            self.sig_run_started.emit(event)
        elif isinstance(event, DataPrepared):
            self.sig_data_prepared.emit(event)
        elif isinstance(event, DownloadProgress):
            self.sig_download.emit(event)
        elif isinstance(event, CheckpointSaved):
            self.sig_checkpoint.emit(event)
        elif isinstance(event, MicroBatchReduced):
            self.sig_notice.emit(
                "Your graphics card ran out of memory, so Quillora now learns from smaller "
                f"batches ({event.micro_batch_size} at a time) and carries on from step "
                f"{event.step}. Results are the same; it takes a little longer."
            )
        elif isinstance(event, Paused):
            if self._state in (RunState.TRAINING, RunState.PREPARING):
                self._set_state(RunState.PAUSED)
        elif isinstance(event, Resumed):
            if self._state == RunState.PAUSED:
                self._set_state(RunState.TRAINING)
        elif isinstance(event, Finished):
            self._finished = event
        elif isinstance(event, Failed):
            self._failed = event
        elif isinstance(event, Log):
            self.sig_log.emit(event)

    def _on_child_protocol_error(self, message: str) -> None:
        if self.sender() is not self._child:
            return
        self.protocol_errors += 1
        self.sig_protocol_error.emit(message)

    def _on_child_exited(self, code: int) -> None:
        child = self.sender()
        if child is not self._child:
            return
        assert isinstance(child, EngineProcess | RunWatcher)
        if self._finished is not None:
            stopped = self._finished.reason == "stopped"
            self._set_state(RunState.STOPPED if stopped else RunState.FINISHED)
            self.sig_finished.emit(self._finished)
        elif self._cancel_requested or (
            self._failed is not None and self._failed.kind is ErrorKind.CANCELLED
        ):
            self._set_state(RunState.CANCELLED)
        elif self._failed is not None:
            self._set_state(RunState.FAILED)
            self.sig_failed.emit(self._failed)
        elif self._stop_requested:
            # The engine did not save in time and was ended; the last checkpoint remains.
            self.sig_notice.emit(
                "The run took too long to save and was ended. Its last checkpoint is kept, "
                "so you can resume it from the Runs page."
            )
            self._set_state(RunState.STOPPED)
        else:
            tail = child.stderr_tail()
            status = "unknown" if isinstance(child, RunWatcher) else str(code)
            failed = Failed(
                kind=ErrorKind.INTERNAL_ERROR,
                message="The training engine stopped unexpectedly.",
                detail=f"Exit status: {status}\n\n{tail}".strip(),
                resumable=bool(self._run_dir and run_files.latest_checkpoint(self._run_dir)),
            )
            self._failed = failed
            self._set_state(RunState.FAILED)
            self.sig_failed.emit(failed)
        child.wait(2000)
        self._child = None
