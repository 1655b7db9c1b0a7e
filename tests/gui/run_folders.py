"""Run folders as the engine leaves them, for the Runs page and the window's tests."""

from __future__ import annotations

from pathlib import Path

from engine.contract.events import Event, StepProgress


def write_run(root: Path, name: str, events: list[Event], checkpoint: bool = False) -> Path:
    """A run folder with these events; `checkpoint` adds a complete and a half-written one."""
    run = root / "runs" / name
    run.mkdir(parents=True)
    lines = [e.to_line() for e in events]
    (run / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if checkpoint:
        (run / "checkpoints" / "step-2").mkdir(parents=True)
        (run / "checkpoints" / "step-2" / "COMPLETE").write_text("ok")
        (run / "checkpoints" / "step-3").mkdir()  # no marker: half-written, ignored
    return run


def step_progress(step: int) -> StepProgress:
    """Step `step` of 4, the loss falling by 0.1 a step from 2.9."""
    return StepProgress(
        step=step,
        total_steps=4,
        loss=3.0 - step / 10,
        learning_rate=1e-4,
        tokens_per_second=1.0,
        memory_gib=0.1,
        eta_seconds=1.0,
    )
