"""Runs that travel: "Train on a server" and "Open a finished run" (docs/server.md).

Each is one short engine command (`engine server`, `engine open`) in its own child process;
the controller reports the folder it wrote or the run it opened, or the engine's typed
failure. The Runs page owns one controller and shows the outcome.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.contract.errors import ErrorKind
from engine.contract.events import Event, Failed, Report
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess


class TravelController(QObject):
    sig_server_folder_written = Signal(object)  # Path of the server folder
    sig_run_opened = Signal(object, bool)  # Path of the opened run, base model on this computer
    sig_failed = Signal(object)  # engine.contract.events.Failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: EngineProcess | None = None
        self._failed: Failed | None = None
        self._answer: Report | None = None

    @property
    def busy(self) -> bool:
        return self._process is not None

    def write_server_folder(self, run_dir: Path, out: Path) -> None:
        self._start(engine_command("server", "--run", str(run_dir), "--out", str(out)))

    def open_finished_run(self, folder: Path) -> None:
        self._start(engine_command("open", "--folder", str(folder)))

    def _start(self, command: list[str]) -> None:
        if self._process is not None:
            return
        self._failed = self._answer = None
        process = EngineProcess(command, parent=self)
        process.sig_event.connect(self._on_engine_event)
        process.sig_exited.connect(self._on_engine_exited)
        self._process = process
        process.start()

    def _on_engine_event(self, event: Event) -> None:
        if isinstance(event, Failed):
            self._failed = event
        elif isinstance(event, Report) and event.name in ("server_folder", "run_opened"):
            self._answer = event

    def _on_engine_exited(self, code: int) -> None:
        """The outcome is told once the child is gone, so the controller is free again."""
        process, self._process = self._process, None
        if process is not None:
            process.wait()
            process.deleteLater()
        answer = self._answer
        if self._failed is not None:
            self.sig_failed.emit(self._failed)
        elif answer is not None and answer.name == "server_folder":
            self.sig_server_folder_written.emit(Path(str(answer.body["folder"])))
        elif answer is not None:
            ready = bool(answer.body["base_model_ready"])
            self.sig_run_opened.emit(Path(str(answer.body["run_dir"])), ready)
        else:
            detail = process.stderr_tail() if process is not None else ""
            self.sig_failed.emit(
                Failed(
                    kind=ErrorKind.INTERNAL_ERROR,
                    message="Quillora's engine stopped before it finished.",
                    detail=detail,
                )
            )
