"""Ollama from the Share step: `ollama create` with progress, then a chat in a terminal.

`OllamaCreate` runs the command the export reported (`ollama create NAME -f Modelfile`) as a
QProcess and turns what Ollama prints ("copying file sha256:... 45%", "writing manifest",
"success") into one short status line per update. `terminal_command` is the platform's way
to open a terminal running `ollama run NAME`.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QProcess, Signal

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PERCENT = re.compile(r"(\d{1,3})%")
# What Ollama's steps mean to someone who has never seen a terminal.
_STEPS = (
    ("gathering", "Reading the Modelfile"),
    ("copying", "Copying the model into Ollama"),
    ("parsing", "Checking the model file"),
    ("using existing", "Checking the model file"),
    ("creating", "Setting up the model"),
    ("writing", "Finishing"),
    ("success", "Done"),
)


def ollama_installed() -> bool:
    return shutil.which("ollama") is not None


def status_line(output: str) -> tuple[str, int | None]:
    """The latest step in Ollama's output, in plain words, and its percentage if it has one."""
    pieces = [p.strip() for p in re.split(r"[\r\n]+", _ANSI.sub("", output)) if p.strip()]
    if not pieces:
        return "", None
    last = pieces[-1]
    percent = _PERCENT.search(last)
    words = next((text for key, text in _STEPS if last.lower().startswith(key)), last[:80])
    value = int(percent.group(1)) if percent else None
    return (f"{words} ({value}%)" if value is not None else words), value


def terminal_command(
    model: str, which: Callable[[str], str | None] = shutil.which, platform: str = sys.platform
) -> list[str] | None:
    """A command that opens a terminal window running `ollama run MODEL`, or None."""
    if platform == "darwin":
        return ["osascript", "-e", f'tell application "Terminal" to do script "ollama run {model}"']
    if platform.startswith("win"):
        return ["cmd", "/c", "start", "cmd", "/k", "ollama", "run", model]
    for terminal, flag in (
        ("x-terminal-emulator", "-e"),
        ("gnome-terminal", "--"),
        ("konsole", "-e"),
        ("xfce4-terminal", "-x"),
        ("xterm", "-e"),
    ):
        if which(terminal):
            return [terminal, flag, "ollama", "run", model]
    return None


class OllamaCreate(QObject):
    """One `ollama create` at a time; states: idle, running, done, failed."""

    sig_progress = Signal(str, int)  # status line, percent (-1 when Ollama gives none)
    sig_finished = Signal(bool, str)  # created, the last of what Ollama said

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._said = ""
        self.state = "idle"

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self, command: list[str]) -> None:
        if self.running or not command:
            return
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._on_process_output)
        process.finished.connect(self._on_process_finished)
        process.errorOccurred.connect(self._on_process_error)
        self._process, self._said, self.state = process, "", "running"
        self.sig_progress.emit("Adding the model to Ollama\u2026", -1)
        process.start(command[0], command[1:])

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.waitForFinished(2000)

    def _on_process_output(self) -> None:
        if self._process is None:
            return
        self._said = (
            self._said + bytes(self._process.readAll().data()).decode("utf-8", "replace")
        )[-4000:]
        line, percent = status_line(self._said)
        if line:
            self.sig_progress.emit(line, -1 if percent is None else percent)

    def _on_process_finished(self, code: int, _status: object) -> None:
        if self._process is None:
            return
        self._on_process_output()
        self._process = None
        self.state = "done" if code == 0 else "failed"
        self.sig_finished.emit(code == 0, _ANSI.sub("", self._said).strip()[-300:])

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process = None
            self.state = "failed"
            self.sig_finished.emit(False, "Ollama could not be started.")
