"""The loss becomes NaN: the user sees a plain explanation with a next step, the last good
checkpoint is kept, and the run can be resumed (here: after the cause went away).

The loop's own reaction is tested in-process by the train helper
(tests/engine/test_train_control.py::test_nan_loss_stops_with_diverged_and_keeps_the_last_checkpoint);
this test follows the same fault through the command line, run.json and a resume.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from engine.contract.errors import ErrorKind
from gui.core.messages import message_for
from tests.reliability.checks import assert_checkpoints_sound
from tests.reliability.engine_runner import of_type, run_engine


def test_nan_loss_through_the_cli_then_resume(
    run_config: Callable[..., Path], tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    argv = ["train", "--config", str(run_config(max_steps=6)), "--output", str(run_dir)]
    child = run_engine(argv, tmp_path, "nan", QUILLORA_TEST_FAULTS="nan_at_step=5")
    assert child.process.exitcode == 2, child.tail()
    failed = of_type(child.events(), "failed")[-1]
    assert failed["kind"] == "training_diverged"
    assert "learning rate" in failed["message"] and "checkpoint is kept" in failed["message"]
    assert [e["step"] for e in of_type(child.events(), "step_progress")] == [1, 2, 3, 4]
    assert assert_checkpoints_sound(run_dir) == 4
    assert not (run_dir / "adapter").exists()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["state"] == "failed" and record["error"]["kind"] == "training_diverged"
    shown = message_for(ErrorKind(failed["kind"]))
    assert shown.title and shown.next_step

    resumed = run_engine(["train", "--resume", str(run_dir)], tmp_path, "resumed")
    assert resumed.process.exitcode == 0, resumed.tail()
    assert of_type(resumed.events(), "run_started")[0]["resumed_from_step"] == 4
    assert of_type(resumed.events(), "finished")[0]["steps"] == 6


def test_a_loss_that_explodes_but_stays_finite_stops_the_run(
    run_config: Callable[..., Path], tmp_path: Path
) -> None:
    """A blown-up step (loss x1000, still a number) is caught before it reaches the weights."""
    run_dir = tmp_path / "run"
    argv = ["train", "--config", str(run_config(max_steps=6)), "--output", str(run_dir)]
    child = run_engine(argv, tmp_path, "explode", QUILLORA_TEST_FAULTS="explode_at_step=5")
    assert child.process.exitcode == 2, child.tail()
    failed = of_type(child.events(), "failed")[-1]
    assert failed["kind"] == "training_diverged"
    assert "shot up" in failed["message"] and "lower learning rate" in failed["message"]
    assert [e["step"] for e in of_type(child.events(), "step_progress")] == [1, 2, 3, 4]
    assert assert_checkpoints_sound(run_dir) == 4


def test_healthy_training_stays_far_below_the_explosion_limit(tiny_tokenizer) -> None:
    """The limit (twice the loss of uniform guessing) leaves a wide margin: the demo model
    starts near ln(vocabulary) and only falls (tests/engine/test_train.py)."""
    import math

    from engine.safety.divergence import exploded, loss_limit

    start = math.log(len(tiny_tokenizer))
    assert loss_limit(len(tiny_tokenizer)) == 2 * start
    assert not exploded(start * 1.3, len(tiny_tokenizer))
    assert exploded(start * 1000, len(tiny_tokenizer))
    assert not exploded(float("nan"), len(tiny_tokenizer))
