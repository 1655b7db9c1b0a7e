"""Reads stop / pause / resume / cancel from stdin on a background thread.

The training loop polls `ControlState` between steps: reading stdin never blocks training,
and a closed stdin (the GUI went away) changes nothing, so a headless run keeps going.
"""

from __future__ import annotations

import threading
from typing import IO

from engine.contract.control import parse_control_line


class ControlState:
    """What the user asked for so far; shared between the reader thread and the loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.stop_requested = False
        self.cancel_requested = False
        self.paused = False

    def apply(self, command: str) -> None:
        with self._changed:
            if command == "stop":
                self.stop_requested = True
                self.paused = False
            elif command == "cancel":
                self.cancel_requested = True
                self.paused = False
            elif command == "pause":
                self.paused = True
            elif command == "resume":
                self.paused = False
            self._changed.notify_all()

    def wait_while_paused(self, timeout: float | None = None) -> None:
        """Block while paused; returns at once when resumed, stopped or cancelled."""
        with self._changed:
            self._changed.wait_for(lambda: not self.paused, timeout=timeout)


def start_stdin_reader(state: ControlState, stream: IO[str]) -> threading.Thread:
    """A daemon thread feeding each valid command line of `stream` into `state`."""

    def read() -> None:
        try:
            for line in stream:
                command = parse_control_line(line)
                if command is not None:
                    state.apply(command)
        except (OSError, ValueError):
            pass  # stdin closed or unreadable: no more commands, training goes on

    thread = threading.Thread(target=read, name="control-reader", daemon=True)
    thread.start()
    return thread
