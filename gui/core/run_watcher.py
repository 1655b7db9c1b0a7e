"""Watching a training run that this window did not start: a run kept going in the background.

When the user chose "keep training in the background" and reopens Quillora, the engine child
is no longer ours: there is no pipe and no stdin. `RunWatcher` replays the run's event file
from the start (so the chart is whole again), then follows it while the engine's pid lives.
It has the same signals as `EngineProcess`, so the run controller treats both alike.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from gui.core.engine_process import emit_event_line, follow_lines
from gui.core.run_files import pid_alive

EXIT_UNKNOWN = -1000  # the run ended while we were watching; its real status is not ours


class RunWatcher(QThread):
    """Tails `events_path` until the process `pid` is gone and the file is read to the end."""

    sig_event = Signal(object)
    sig_protocol_error = Signal(str)
    sig_exited = Signal(int)
    sig_detached = Signal()

    def __init__(self, events_path: Path, pid: int | None, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.events_path = events_path
        self._pid = pid
        self._detach = threading.Event()
        self.stderr_path: Path | None = None

    @property
    def pid(self) -> int | None:
        return self._pid

    def is_running(self) -> bool:
        return pid_alive(self._pid)

    def run(self) -> None:
        while not self.events_path.exists() and pid_alive(self._pid):
            if self._detach.wait(0.1):
                self.sig_detached.emit()
                return
        try:
            stream = self.events_path.open("rb")
        except OSError:
            self.sig_exited.emit(EXIT_UNKNOWN)
            return
        with stream:
            ended = follow_lines(
                stream,
                self._handle,
                ended=lambda: not pid_alive(self._pid),
                wait=lambda: self._detach.wait(0.1),
            )
        if not ended:
            self.sig_detached.emit()
            return
        self.sig_exited.emit(EXIT_UNKNOWN)

    def _handle(self, raw: bytes) -> None:
        emit_event_line(raw, self.sig_event.emit, self.sig_protocol_error.emit)

    def send_command(self, command: str) -> bool:
        """No stdin to a run we did not start: signals instead.

        The engine's training command takes a first SIGINT as "stop and save" and a second as
        "abort" (the last checkpoint stays), so `stop` is one interrupt and `cancel` two.
        Pause cannot be sent.
        """
        if command == "stop":
            return self._signal(signal.SIGINT)
        if command == "cancel":
            sent = self._signal(signal.SIGINT)
            time.sleep(0.2)
            return self._signal(signal.SIGINT) or sent
        return False

    def stop_gracefully(
        self, timeout: float = 10.0, kill_after: float = 3.0, command: str = "stop"
    ) -> None:
        self.send_command(command)

        def escalate() -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and pid_alive(self._pid):
                time.sleep(0.1)
            if pid_alive(self._pid):
                self._signal(signal.SIGTERM)

        threading.Thread(target=escalate, daemon=True).start()

    def _signal(self, sig: int) -> bool:
        if self._pid is None or (sys.platform == "win32" and sig == signal.SIGINT):
            return False
        try:
            os.kill(self._pid, sig)
        except OSError:
            return False
        return True

    def detach(self) -> None:
        self._detach.set()

    def stderr_tail(self, max_chars: int = 4000) -> str:
        return ""
