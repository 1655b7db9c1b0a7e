"""SIGKILL the real engine at many points of a run; resuming must always work.

A run is killed again and again: while reading data, while loading the model, between
steps, inside a checkpoint write (files written, marker not yet; marker written, folder not
yet renamed, both held open by the inert QUILLORA_FAULT pause points), right after a
checkpoint, during an evaluation, inside the final adapter write, and at seeded random
moments. After every kill: each visible checkpoint is complete and loadable, and
`--resume` continues from exactly the latest complete one. The last resume finishes and
the adapter loads with peft.
"""

from __future__ import annotations

import json
import random
import signal
from collections.abc import Callable
from pathlib import Path

from tests.reliability.checks import assert_adapter_loads, assert_checkpoints_sound
from tests.reliability.engine_runner import EngineChild, of_type, said_on_stderr, saw

SLOW_CHECKPOINT = {"QUILLORA_FAULT": "slow_checkpoint", "QUILLORA_FAULT_SECONDS": "3"}
SLOW_ADAPTER = {"QUILLORA_FAULT": "slow_adapter", "QUILLORA_FAULT_SECONDS": "3"}
KILL_POINTS: list[str] = []  # for the report: every point a child was killed at


def _after(kind: str, delay: float, at_most_step: int) -> Callable[[EngineChild], bool]:
    """True `delay` s after the child first wrote a `kind` event, or once it reached step
    `at_most_step` (whichever comes first), so a fast machine cannot finish the run first."""
    seen: list[float] = []

    def condition(child: EngineChild) -> bool:
        import time

        events = child.events()
        if not seen and of_type(events, kind):
            seen.append(time.monotonic())
        if any(e["step"] >= at_most_step for e in of_type(events, "step_progress")):
            return True
        return bool(seen) and time.monotonic() - seen[0] >= delay

    return condition


def _kill(
    workdir: Path, argv: list[str], name: str, when: Callable[[EngineChild], bool],
    env: dict[str, str] | None = None, delay: float = 0.0,
) -> EngineChild:  # fmt: skip
    child = EngineChild(argv, workdir, env or {}, name).start()
    assert child.kill_when(when, delay=delay), f"{name}: ended before the kill\n{child.tail()}"
    KILL_POINTS.append(name)
    return child


def _resume_argv(run_dir: Path) -> list[str]:
    return ["train", "--resume", str(run_dir)]


def _assert_resumed_from(child: EngineChild, step: int) -> None:
    started = of_type(child.events(), "run_started")
    assert started, child.tail()
    assert started[0]["resumed_from_step"] == step, child.tail()
    steps = of_type(child.events(), "step_progress")
    if steps:
        assert steps[0]["step"] == step + 1, child.tail()


def test_kills_before_the_first_checkpoint_leave_a_typed_answer(
    run_config: Callable[..., Path], tmp_path: Path
) -> None:
    """Killed before anything resumable exists: resuming says so plainly (BAD_CONFIG)."""
    run_dir = tmp_path / "early"
    fresh = ["train", "--config", str(run_config()), "--output", str(run_dir)]
    _kill(tmp_path, fresh, "early-reading-data", saw("run_started"))
    again = EngineChild(_resume_argv(run_dir), tmp_path, name="early-resume-1").start()
    assert again.wait() == 2
    failed = of_type(again.events(), "failed")
    assert failed and failed[0]["kind"] == "bad_config", again.tail()

    # Not a run yet (no run.json): the same folder can simply be started again.
    _kill(tmp_path, fresh, "early-loading-model", saw("data_prepared"))
    assert json.loads((run_dir / "run.json").read_text())["state"] == "training"
    again = EngineChild(_resume_argv(run_dir), tmp_path, name="early-resume-2").start()
    assert again.wait() == 2
    failed = of_type(again.events(), "failed")
    assert failed and failed[0]["kind"] == "bad_config", again.tail()
    assert "no complete checkpoint" in failed[0]["message"]
    assert not (run_dir / "adapter").exists()


def test_sigkill_anywhere_then_resume_continues_from_the_last_complete_checkpoint(
    run_config: Callable[..., Path], tiny_model: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    rng = random.Random(20261127)
    resume = _resume_argv(run_dir)

    # 1. Between steps, after the first checkpoint (step 2).
    fresh = ["train", "--config", str(run_config(max_steps=20)), "--output", str(run_dir)]
    _kill(tmp_path, fresh, "k1-after-step-3", saw("step_progress", step=3))
    latest = assert_checkpoints_sound(run_dir)
    assert latest == 2

    # 2. Inside the step-4 write: every file written, the COMPLETE marker not yet.
    child = _kill(
        tmp_path, resume, "k2-checkpoint-before-marker",
        said_on_stderr("pause checkpoint_before_marker"), SLOW_CHECKPOINT,
    )  # fmt: skip
    _assert_resumed_from(child, 2)
    staging = run_dir / "checkpoints" / ".tmp-step-4"
    assert (staging / "state.json").is_file() and not (staging / "COMPLETE").exists()
    assert assert_checkpoints_sound(run_dir) == 2

    # 3. Marker written in the staging folder, not yet renamed into place.
    child = _kill(
        tmp_path, resume, "k3-checkpoint-before-rename",
        said_on_stderr("pause checkpoint_before_rename"), SLOW_CHECKPOINT,
    )  # fmt: skip
    _assert_resumed_from(child, 2)
    assert (staging / "COMPLETE").is_file()
    assert assert_checkpoints_sound(run_dir) == 2

    # 4. Just after a checkpoint was saved (a seeded delay of up to 0.3 s).
    child = _kill(
        tmp_path, resume, "k4-after-checkpoint-4", saw("checkpoint_saved", step=4),
        delay=rng.uniform(0, 0.3),
    )  # fmt: skip
    _assert_resumed_from(child, 2)
    latest = assert_checkpoints_sound(run_dir)
    assert latest >= 4

    # 5. During the held-out evaluation after step 8.
    child = _kill(tmp_path, resume, "k5-during-evaluation", saw("step_progress", step=8))
    _assert_resumed_from(child, latest)
    latest = assert_checkpoints_sound(run_dir)

    # 6-8. Seeded random moments after the data was read: model loading, evaluation, steps.
    for number in range(3):
        delay = round(rng.uniform(0.0, 2.5), 2)
        child = _kill(
            tmp_path,
            resume,
            f"k{6 + number}-random-{delay}s",
            _after("data_prepared", delay, latest + 3),
        )
        _assert_resumed_from(child, latest)
        latest = assert_checkpoints_sound(run_dir)

    # 9. Inside the final adapter write: nothing may look finished.
    child = _kill(
        tmp_path, resume, "k9-final-adapter-write",
        said_on_stderr("pause adapter_before_rename"), SLOW_ADAPTER,
    )  # fmt: skip
    _assert_resumed_from(child, latest)
    assert not (run_dir / "adapter").exists(), "a half-written adapter/ looks finished"
    assert json.loads((run_dir / "run.json").read_text())["state"] == "training"
    latest = assert_checkpoints_sound(run_dir)

    # Stop and save (SIGINT, as a reattached window sends it) before the first resumed step:
    # the checkpoint of that same step is kept, never deleted and rewritten.
    stopper = EngineChild(resume, tmp_path, name="stop-at-once").start()
    stopper.kill_when(saw("data_prepared"), signal=signal.SIGINT)
    assert stopper.wait() == 0, stopper.tail()
    finished = of_type(stopper.events(), "finished")
    assert finished and finished[0]["reason"] == "stopped" and finished[0]["steps"] == latest
    assert assert_checkpoints_sound(run_dir) == latest
    assert (run_dir / "adapter" / "adapter_model.safetensors").is_file()

    # The last resume runs to the end (replacing the stopped run's adapter); it is valid.
    final = EngineChild(resume, tmp_path, name="final").start()
    assert final.wait() == 0, final.tail()
    _assert_resumed_from(final, latest)
    finished = of_type(final.events(), "finished")
    assert finished and finished[0]["steps"] == 20
    assert json.loads((run_dir / "run.json").read_text())["state"] == "max_steps"
    assert_adapter_loads(run_dir / "adapter", tiny_model)
    assert not list(run_dir.glob(".adapter*")), "staging folders left beside adapter/"
    assert not list(run_dir.glob("checkpoints/.tmp-step-*")), "stale staging folders kept"
    print(f"kill points tried: {len(KILL_POINTS)}: {KILL_POINTS}")
