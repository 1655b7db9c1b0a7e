"""The one place where engine output becomes Qt signals: a QThread supervising a child process.

`EngineProcess` starts an engine command (train, data, doctor, chat, export) as a child process
in its own process group, reads its JSON-line events and emits each as one dataclass on
`sig_event`. A line that is not an event is reported on `sig_protocol_error` and skipped; the
exit status arrives last on `sig_exited`. Control commands go to the child's stdin with
`send()`; `stop_gracefully()` asks politely, then terminates, then kills, so Stop always wins.

Two ways to read the child's stdout:
- a pipe (the default), for short commands whose life is tied to the window;
- a file (`events_path=`) that this thread tails, for training runs that may keep going after
  the window closes ("keep training in the background"): a pipe would break when the GUI
  exits and take the engine down with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from PySide6.QtCore import QThread, Signal

from engine.contract.control import ControlCommand, control_line
from engine.contract.errors import ErrorKind
from engine.contract.events import Event, Failed, ProtocolError, parse_line

EXIT_START_FAILED = 127
_POLL_SECONDS = 0.05


def follow_lines(
    stream: IO[bytes],
    on_line: Callable[[bytes], None],
    ended: Callable[[], bool],
    wait: Callable[[], bool],
) -> bool:
    """Hand each complete line of a growing file to `on_line` as it is written.

    When nothing new is there: if `ended()` the rest (a last line without newline included) is
    handed on and True returned; else `wait()` pauses, and returning True means "stop watching"
    (False returned). Shared by EngineProcess and RunWatcher, which tail the same events file.
    """
    pending = b""
    while True:
        chunk = stream.readline()
        if chunk:
            pending += chunk
            if pending.endswith(b"\n"):
                on_line(pending)
                pending = b""
            continue
        if ended():
            for raw in (pending + stream.read()).splitlines():
                on_line(raw)
            return True
        if wait():
            return False


def emit_event_line(
    raw: bytes, on_event: Callable[[Event], None], on_error: Callable[[str], None]
) -> None:
    """Parse one stdout line: an event goes to `on_event`, anything else to `on_error`."""
    line = raw.decode("utf-8", errors="replace").strip()
    if not line:
        return
    try:
        event = parse_line(line)
    except ProtocolError as exc:
        on_error(str(exc))
        return
    on_event(event)


class EngineProcess(QThread):
    """Runs `command` as a child process and turns its stdout lines into signals."""

    sig_event = Signal(object)  # one engine.contract.events.Event per signal
    sig_protocol_error = Signal(str)  # a line that is not a valid event (skipped)
    sig_exited = Signal(int)  # the child's exit status; negative: killed by that signal
    sig_detached = Signal()  # stopped watching; the child keeps running on its own

    def __init__(
        self,
        command: Sequence[str],
        *,
        stderr_path: Path | None = None,
        events_path: Path | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        parent: object | None = None,
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.command = list(command)
        self.events_path = events_path
        self.stderr_path = stderr_path
        self._cwd = cwd
        self._env = dict(env) if env is not None else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._start_error = ""
        self._tail_offset = 0
        self._stdin_lock = threading.Lock()
        self._detach = threading.Event()
        self._stopping = threading.Event()
        self.returncode: int | None = None

    # -- starting -------------------------------------------------------------------------
    def start(self, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
        """Start the child now (so `pid` and `send()` work at once), then the reader thread."""
        self._spawn()
        super().start(priority)

    def _spawn(self) -> None:
        if self.stderr_path is None:
            handle, name = tempfile.mkstemp(prefix="quillora-engine-", suffix=".log")
            os.close(handle)
            self.stderr_path = Path(name)
        self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if self._env is None else self._env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.setdefault("PYTHONIOENCODING", "utf-8")
        stdout: int | IO[bytes] = subprocess.PIPE
        try:
            with self.stderr_path.open("ab") as err:
                if self.events_path is not None:
                    self.events_path.parent.mkdir(parents=True, exist_ok=True)
                    # Follow only what this child writes (a resumed run appends).
                    if self.events_path.exists():
                        self._tail_offset = self.events_path.stat().st_size
                    with self.events_path.open("ab") as out:
                        self._proc = self._popen(out, err, env)
                else:
                    self._proc = self._popen(stdout, err, env)
        except OSError as exc:
            self._start_error = f"{' '.join(self.command)}\n{exc}"

    def _popen(
        self, stdout: int | IO[bytes], stderr: IO[bytes], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        flags = 0
        if sys.platform == "win32":
            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        return subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=stderr,
            cwd=self._cwd,
            env=env,
            creationflags=flags,
            # Its own session: Ctrl+C in a terminal or the GUI exiting does not signal it.
            start_new_session=sys.platform != "win32",
        )

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- reading --------------------------------------------------------------------------
    def run(self) -> None:  # the QThread body
        proc = self._proc
        if proc is None:
            self.sig_event.emit(
                Failed(
                    kind=ErrorKind.INTERNAL_ERROR,
                    message="Quillora could not start its engine.",
                    detail=self._start_error,
                )
            )
            self.returncode = EXIT_START_FAILED
            self.sig_exited.emit(EXIT_START_FAILED)
            return
        if self.events_path is None:
            self._read_pipe(proc)
        else:
            self._tail_file(proc, self.events_path)
        if self._detach.is_set() and proc.poll() is None:
            self.sig_detached.emit()
            return
        self.returncode = proc.wait()
        self.sig_exited.emit(self.returncode)

    def _read_pipe(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            self._handle_line(raw)
        proc.stdout.close()

    def _tail_file(self, proc: subprocess.Popen[bytes], path: Path) -> None:
        with path.open("rb") as stream:
            stream.seek(self._tail_offset)
            follow_lines(
                stream,
                self._handle_line,
                ended=lambda: proc.poll() is not None,
                wait=lambda: self._detach.wait(_POLL_SECONDS),
            )

    def _handle_line(self, raw: bytes) -> None:
        emit_event_line(raw, self.sig_event.emit, self.sig_protocol_error.emit)

    # -- controlling ----------------------------------------------------------------------
    def send(self, line: str) -> bool:
        """Write one line to the child's stdin; False if the child is gone or not listening."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            return False
        data = (line if line.endswith("\n") else line + "\n").encode("utf-8")
        with self._stdin_lock:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return False
        return True

    def send_command(self, command: ControlCommand) -> bool:
        return self.send(control_line(command))

    def stop_gracefully(
        self, timeout: float = 10.0, kill_after: float = 3.0, command: ControlCommand = "stop"
    ) -> None:
        """Ask the child to stop; terminate it after `timeout` s, kill it `kill_after` s later.

        Returns at once: the escalation runs on a small helper thread, and `sig_exited`
        reports the end as usual.
        """
        proc = self._proc
        if proc is None or proc.poll() is not None or self._stopping.is_set():
            return
        self._stopping.set()
        self.send_command(command)
        threading.Thread(
            target=self._escalate, args=(proc, timeout, kill_after), daemon=True
        ).start()

    @staticmethod
    def _escalate(proc: subprocess.Popen[bytes], timeout: float, kill_after: float) -> None:
        try:
            proc.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            pass
        terminate_process(proc)
        try:
            proc.wait(kill_after)
        except subprocess.TimeoutExpired:
            kill_process(proc)

    def kill_now(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            kill_process(self._proc)

    def detach(self) -> None:
        """Stop watching and leave the child running (training in the background)."""
        self._detach.set()

    def stderr_tail(self, max_chars: int = 4000) -> str:
        """The end of what the child wrote to stderr: the detail behind a crash."""
        return read_tail(self.stderr_path, max_chars)


def terminate_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM on POSIX (TerminateProcess on Windows); a process already gone is fine."""
    with contextlib.suppress(OSError):
        proc.terminate()


def kill_process(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and anything it started (its whole process group on POSIX)."""
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (OSError, ProcessLookupError):
        with contextlib.suppress(OSError):
            proc.kill()


def read_tail(path: Path | None, max_chars: int = 4000) -> str:
    """The last `max_chars` characters of a text file; empty if it is missing."""
    if path is None:
        return ""
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - max_chars * 4))
            text = stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return text[-max_chars:].strip()
