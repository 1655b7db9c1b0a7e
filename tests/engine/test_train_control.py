"""Stop, resume, pause, cancel, out-of-memory recovery, divergence and a full disk.

Each run is the real loop on the tiny test model (12 steps of 4 rows); the faults are triggered
by engine.train.faults, and the loop's own code recovers from them.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import (
    CheckpointSaved,
    MicroBatchReduced,
    Paused,
    Resumed,
    StepProgress,
)
from engine.run_folder import RunFolder
from engine.train.checkpoint import MARKER, complete_checkpoints
from engine.train.control import ControlState, start_stdin_reader
from engine.train.faults import Faults
from engine.train.loop import TrainingJob, train
from tests.engine.train_helpers import (
    Recorder,
    adapter_tensors,
    config,
    examples,
    max_difference,
)

# The same computation in the same order on the CPU: a resumed run matches to float noise.
RESUME_TOLERANCE = 1e-5
# Out-of-memory recovery splits a step's rows differently: the sum of token losses is the
# same, but bf16 matmuls over 1 row instead of 2 round differently, and Adam amplifies that
# a little over 12 steps.
OOM_TOLERANCE = 5e-3


@pytest.fixture(scope="module")
def uninterrupted(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    run = RunFolder(tmp_path_factory.mktemp("uninterrupted")).create()
    train(TrainingJob(config(), tiny_model, examples(), examples(6), run, Recorder()))
    return run


def test_stop_then_resume_ends_with_the_same_adapter(
    tiny_model: Path, uninterrupted: RunFolder, tmp_path: Path
) -> None:
    from peft import PeftModel

    from engine.modeling import choose_placement, load_4bit_model

    run = RunFolder(tmp_path / "run").create()
    control = ControlState()
    stopper = Recorder(on_step=lambda step: control.apply("stop") if step == 5 else None)
    stopped = train(
        TrainingJob(config(), tiny_model, examples(), examples(6), run, stopper, control)
    ).finished
    assert stopped.reason == "stopped" and stopped.steps == 5
    assert (run.checkpoints / "step-5" / MARKER).is_file()
    assert [e.step for e in stopper.of(CheckpointSaved)] == [4, 5]
    # The stopped run's adapter is usable on its own.
    base = load_4bit_model(tiny_model, choose_placement(), False)
    PeftModel.from_pretrained(base, run.adapter)

    resumer = Recorder()
    resumed = train(
        TrainingJob(config(), tiny_model, examples(), examples(6), run, resumer, resume=True)
    )
    assert resumed.finished.steps == 12
    assert [e.step for e in resumer.of(StepProgress)] == list(range(6, 13))
    difference = max_difference(
        adapter_tensors(run.adapter), adapter_tensors(uninterrupted.adapter)
    )
    print(f"resume: max |adapter difference| {difference:.2e}")
    assert difference < RESUME_TOLERANCE
    assert [p.name for p in complete_checkpoints(run.checkpoints)] == ["step-5", "step-8"]


def test_resume_refuses_changed_data(tiny_model: Path, tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "run").create()
    control = ControlState()
    stopper = Recorder(on_step=lambda step: control.apply("stop") if step == 2 else None)
    train(TrainingJob(config(), tiny_model, examples(), examples(6), run, stopper, control))
    with pytest.raises(EngineError) as error:
        train(
            TrainingJob(
                config(), tiny_model, examples(20), examples(6), run, Recorder(), resume=True
            )
        )
    assert error.value.kind == ErrorKind.BAD_CONFIG


def test_out_of_memory_halves_the_micro_batch_and_retries_the_step(
    tiny_model: Path, uninterrupted: RunFolder, tmp_path: Path
) -> None:
    run = RunFolder(tmp_path / "run").create()
    recorder = Recorder()
    outcome = train(
        TrainingJob(
            config(),
            tiny_model,
            examples(),
            examples(6),
            run,
            recorder,
            faults=Faults(oom_at_step=3),
        )
    )
    reduced = recorder.of(MicroBatchReduced)
    assert [(e.step, e.micro_batch_size, e.accumulation_steps) for e in reduced] == [(3, 1, 4)]
    assert [e.step for e in recorder.of(StepProgress)] == list(range(1, 13))
    assert outcome.finished.steps == 12
    difference = max_difference(
        adapter_tensors(run.adapter), adapter_tensors(uninterrupted.adapter)
    )
    print(f"out-of-memory retry: max |adapter difference| {difference:.2e}")
    assert difference < OOM_TOLERANCE


def test_nan_loss_stops_with_diverged_and_keeps_the_last_checkpoint(
    tiny_model: Path, tmp_path: Path
) -> None:
    run = RunFolder(tmp_path / "run").create()
    with pytest.raises(EngineError) as error:
        train(
            TrainingJob(
                config(), tiny_model, examples(), [], run, Recorder(), faults=Faults(nan_at_step=6)
            )
        )
    assert error.value.kind == ErrorKind.TRAINING_DIVERGED
    assert [p.name for p in complete_checkpoints(run.checkpoints)] == ["step-4"]
    assert not run.adapter.exists()


def test_disk_full_while_checkpointing_keeps_the_previous_checkpoint(
    tiny_model: Path, tmp_path: Path
) -> None:
    run = RunFolder(tmp_path / "run").create()
    with pytest.raises(EngineError) as error:
        train(
            TrainingJob(
                config(),
                tiny_model,
                examples(),
                [],
                run,
                Recorder(),
                faults=Faults(enospc_at_step=8),
            )
        )
    assert error.value.kind == ErrorKind.DISK_FULL
    assert [p.name for p in complete_checkpoints(run.checkpoints)] == ["step-4"]
    assert [p.name for p in run.checkpoints.iterdir()] == ["step-4"]  # no half-written folder
    assert (run.checkpoints / "step-4" / "adapter" / "adapter_model.safetensors").is_file()


def test_pause_and_resume_emit_events_and_training_continues(
    tiny_model: Path, tmp_path: Path
) -> None:
    control = ControlState()

    def on_step(step: int) -> None:
        if step == 2:
            control.apply("pause")
            threading.Timer(0.3, control.apply, args=("resume",)).start()

    recorder = Recorder(on_step=on_step)
    run = RunFolder(tmp_path / "run").create()
    outcome = train(
        TrainingJob(config(max_steps=4), tiny_model, examples(), [], run, recorder, control)
    )
    assert [(type(e), e.step) for e in recorder.history if isinstance(e, Paused | Resumed)] == [
        (Paused, 2),
        (Resumed, 2),
    ]
    assert outcome.finished.steps == 4 and outcome.finished.reason == "max_steps"


def test_early_stopping_when_held_out_loss_stops_improving(
    tiny_model: Path, tmp_path: Path
) -> None:
    from engine.contract.events import Evaluation
    from engine.data.examples import Example

    # Held-out text in symbols the training data never uses: learning the training data
    # only moves probability away from it, so the held-out loss cannot improve.
    strange = [Example(response="ξψζ ωφχ ϑϐϖ " * 3, source=f"odd#{i}") for i in range(3)]
    settings = config(eval_every=1, early_stopping_patience=2, checkpoint_every=100)
    recorder = Recorder()
    run = RunFolder(tmp_path / "run").create()
    outcome = train(TrainingJob(settings, tiny_model, examples(), strange, run, recorder))
    evaluations = recorder.of(Evaluation)
    assert outcome.finished.reason == "early_stopped"
    assert outcome.finished.steps == 2
    assert [e.patience_left for e in evaluations] == [2, 1, 0]
    # The saved adapter is the best-checked version: here the untrained start (B = 0).
    saved = adapter_tensors(run.adapter)
    assert all(float(t.abs().max()) == 0 for k, t in saved.items() if "lora_B" in k)


def test_cancel_stops_without_an_adapter(tiny_model: Path, tmp_path: Path) -> None:
    control = ControlState()
    recorder = Recorder(on_step=lambda step: control.apply("cancel") if step == 2 else None)
    run = RunFolder(tmp_path / "run").create()
    with pytest.raises(EngineError) as error:
        train(TrainingJob(config(), tiny_model, examples(), [], run, recorder, control))
    assert error.value.kind == ErrorKind.CANCELLED
    assert not run.adapter.exists()


def test_stdin_reader_applies_commands_and_ignores_junk() -> None:
    state = ControlState()
    stream = io.StringIO('{"cmd": "pause"}\nnot json\n{"cmd": "resume"}\n{"cmd": "stop"}\n')
    start_stdin_reader(state, stream).join(timeout=5)
    assert state.stop_requested and not state.paused and not state.cancel_requested
