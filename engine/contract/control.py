"""Commands the GUI writes to a training engine's stdin, one JSON object per line."""

from __future__ import annotations

import json
from typing import Literal

ControlCommand = Literal["stop", "pause", "resume", "cancel"]
CONTROL_COMMANDS: tuple[ControlCommand, ...] = ("stop", "pause", "resume", "cancel")


def control_line(command: ControlCommand) -> str:
    """`stop` saves a usable adapter and exits; `cancel` exits keeping the last checkpoint."""
    return json.dumps({"cmd": command}) + "\n"


def parse_control_line(line: str) -> ControlCommand | None:
    """The command in one stdin line, or None for anything unreadable (ignored, not fatal)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    command = data.get("cmd") if isinstance(data, dict) else None
    return command if command in CONTROL_COMMANDS else None
