"""Test-only pause points, so a fault-injection test can land inside a slow phase.

A SIGKILL test must be able to hit the engine *inside* a checkpoint write (files written,
marker not yet). Real writes of the demo model take milliseconds, so the engine calls
`pause_point("checkpoint_before_marker")` there; it does nothing unless the environment
variable QUILLORA_FAULT names that point (`QUILLORA_FAULT=slow_checkpoint`, or the point's
own name), in which case it announces itself on stderr and sleeps QUILLORA_FAULT_SECONDS
(default 2). Inert by default: no user ever sets these variables.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "QUILLORA_FAULT"
SECONDS_ENV = "QUILLORA_FAULT_SECONDS"

# Friendly aliases: one switch for every pause inside checkpoint and adapter writes.
_ALIASES = {
    "slow_checkpoint": ("checkpoint_before_marker", "checkpoint_before_rename"),
    "slow_adapter": ("adapter_before_rename",),
}


def active(point: str) -> bool:
    """True when QUILLORA_FAULT switches on the pause `point` (directly or by an alias)."""
    names = {n.strip() for n in os.environ.get(ENV, "").split(",") if n.strip()}
    if point in names:
        return True
    return any(point in _ALIASES.get(name, ()) for name in names)


def pause_point(point: str) -> None:
    """Sleep here when a test asked for it; announce it first so the test knows where we are."""
    if not active(point):
        return
    seconds = float(os.environ.get(SECONDS_ENV, "2"))
    print(f"quillora-fault: pause {point}", file=sys.stderr, flush=True)
    time.sleep(seconds)
