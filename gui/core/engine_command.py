"""How the GUI invokes the engine: the command line that starts an engine child process.

In a checkout: `python -m engine ...` with the GUI's own interpreter. In the frozen bundle the
executable re-invokes itself with `--engine ...` (the packaging entry point dispatches it).
Tests point `QUILLORA_ENGINE_COMMAND` (a JSON list, or a shell-style string) at a scripted
fake engine, or pass `base=` explicitly.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence

ENGINE_COMMAND_ENV = "QUILLORA_ENGINE_COMMAND"


def base_command() -> list[str]:
    """The program and leading arguments that start the engine on this installation."""
    override = os.environ.get(ENGINE_COMMAND_ENV, "").strip()
    if override:
        if override.startswith("["):
            parsed = json.loads(override)
            return [str(part) for part in parsed]
        return shlex.split(override)
    if getattr(sys, "frozen", False):
        return [sys.executable, "--engine"]
    return [sys.executable, "-m", "engine"]


def engine_command(*args: str, base: Sequence[str] | None = None) -> list[str]:
    """The full command line for `engine <args>`, e.g. engine_command("doctor")."""
    return [*(base if base is not None else base_command()), *args]
