"""Model downloads with size, progress, speed, Cancel and resume.

`ModelDownload` starts `python -m gui.steps.model.hub_client download REPO` as a child process
(QProcess, so no thread of ours ever blocks on the network). Cancel ends the child; the
partial files stay in the Hugging Face cache and the next start resumes them. Progress comes
from the size of the repository's cache folder, polled twice a second, against the total the
child reports first; the speed is averaged over the last few seconds.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from engine.contract.events import DownloadProgress, Failed, ProtocolError, Report, parse_line
from gui.steps.model.hub_client import bytes_on_disk

POLL_MS = 500
SPEED_WINDOW_S = 4.0


def format_bytes(size: float) -> str:
    """1.4 GB, 350 MB, 12 kB: decimal units, as download sizes are usually shown."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit in ("B", "kB") else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


class ModelDownload(QObject):
    """One model download in a child process; emit-only, the page owns the widgets."""

    sig_progress = Signal(int, int, float)  # downloaded bytes, total bytes, bytes per second
    sig_finished = Signal(str)  # the local folder of the downloaded model
    sig_failed = Signal(str)  # a plain-language sentence
    sig_cancelled = Signal()

    def __init__(
        self,
        repo_id: str,
        revision: str = "main",
        token: str | None = None,
        command: Callable[[list[str]], tuple[str, list[str]]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.repo_id = repo_id
        self.revision = revision
        self._token = token
        self._command = command or _python_module_command
        self._process = QProcess(self)
        self._process.readyReadStandardOutput.connect(self._on_process_output)
        self._process.finished.connect(self._on_process_finished)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_tick)
        self._buffer = b""
        self._total = 0
        self._samples: deque[tuple[float, int]] = deque()
        self._done = False
        self._cancelling = False
        self._failure = ""
        self._path = ""

    def start(self) -> None:
        program, arguments = self._command(["download", self.repo_id, "--revision", self.revision])
        env = QProcessEnvironment.systemEnvironment()
        if self._token:
            env.insert("HF_TOKEN", self._token)  # not on the command line: ps would show it
        root = str(
            Path(__file__).resolve().parents[3]
        )  # so `-m gui.steps.model.hub_client` imports
        env.insert("PYTHONPATH", os.pathsep.join(filter(None, [root, env.value("PYTHONPATH")])))
        self._process.setProcessEnvironment(env)
        self._process.start(program, arguments)
        self._timer.start()

    def cancel(self) -> None:
        """Stop now; the files fetched so far stay and the next start resumes them."""
        if self._done:
            return
        self._cancelling = True
        self._process.terminate()
        if not self._process.waitForFinished(2000):
            self._process.kill()

    def is_running(self) -> bool:
        return not self._done and self._process.state() != QProcess.ProcessState.NotRunning

    def _on_process_output(self) -> None:
        self._buffer += bytes(self._process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            if not raw.strip():
                continue
            try:
                event = parse_line(raw.decode("utf-8", errors="replace"))
            except ProtocolError:
                continue  # a stray library print: not ours to interpret
            if isinstance(event, DownloadProgress):
                self._total = event.total_bytes
                self._on_timer_tick()
            elif isinstance(event, Failed):
                self._failure = event.message
            elif isinstance(event, Report) and event.name == "download":
                self._path = str(event.body.get("path", ""))

    def _on_timer_tick(self) -> None:
        now = time.monotonic()
        done = bytes_on_disk(self.repo_id)
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()
        first_time, first_bytes = self._samples[0]
        speed = (done - first_bytes) / (now - first_time) if now > first_time else 0.0
        total = max(self._total, done) if self._total else 0
        self.sig_progress.emit(done, total, max(speed, 0.0))

    def _on_process_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._timer.stop()
        self._on_process_output()
        self._done = True
        if self._cancelling:
            self.sig_cancelled.emit()
        elif code == 0 and self._path:
            if self._total:
                self.sig_progress.emit(self._total, self._total, 0.0)
            self.sig_finished.emit(self._path)
        else:
            self.sig_failed.emit(
                self._failure
                or "The download stopped unexpectedly. Start it again: it carries on where "
                "it stopped."
            )


def _python_module_command(arguments: list[str]) -> tuple[str, list[str]]:
    """Run the child with this interpreter; a frozen bundle runs itself with a flag."""
    if getattr(sys, "frozen", False):
        return sys.executable, ["--hub-client", *arguments]
    return sys.executable, ["-m", "gui.steps.model.hub_client", *arguments]


def stored_token() -> str | None:
    """The Hugging Face token from the environment or the OS keyring, if the user added one."""
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    from gui.core import settings  # the Settings page keeps the token in the OS keyring

    return settings.load_token() or None
