"""On a CUDA machine only: the real loop on the tiny test model with the GPU settings.

Checks what the CPU tests cannot: NF4 weights on the GPU, bf16 (or fp16) compute,
bitsandbytes PagedAdamW8bit, peak memory reported from CUDA, and a resume that matches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract.events import StepProgress
from engine.run_folder import RunFolder
from engine.train.control import ControlState
from engine.train.loop import TrainingJob, make_optimizer, train
from tests.engine.train_helpers import (
    Recorder,
    adapter_tensors,
    config,
    examples,
    max_difference,
)

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def test_demo_trains_on_the_gpu_in_4bit_with_paged_8bit_adam(
    tiny_model: Path, tmp_path: Path
) -> None:
    import bitsandbytes as bnb

    run = RunFolder(tmp_path / "run").create()
    recorder = Recorder()
    settings = config(max_steps=16, gradient_checkpointing=True)
    outcome = train(TrainingJob(settings, tiny_model, examples(), examples(6), run, recorder))
    model = outcome.model
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert layers and all(m.weight.device.type == "cuda" for m in layers)
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert all(m.compute_dtype == expected for m in layers)
    lora = [p for p in model.parameters() if p.requires_grad]
    assert isinstance(make_optimizer(lora, settings, "cuda"), bnb.optim.PagedAdamW8bit)
    steps = recorder.of(StepProgress)
    assert steps[-1].loss < steps[0].loss
    assert 0 < steps[-1].memory_gib < 4
    assert steps[-1].tokens_per_second > 0


def test_resume_on_the_gpu_matches_an_uninterrupted_run(tiny_model: Path, tmp_path: Path) -> None:
    straight = RunFolder(tmp_path / "straight").create()
    train(TrainingJob(config(), tiny_model, examples(), examples(6), straight, Recorder()))

    run = RunFolder(tmp_path / "run").create()
    control = ControlState()
    stopper = Recorder(on_step=lambda step: control.apply("stop") if step == 5 else None)
    train(TrainingJob(config(), tiny_model, examples(), examples(6), run, stopper, control))
    train(TrainingJob(config(), tiny_model, examples(), examples(6), run, Recorder(), resume=True))
    # GPU kernels (and 8-bit optimizer states) are not bit-reproducible run to run.
    assert max_difference(adapter_tensors(run.adapter), adapter_tensors(straight.adapter)) < 5e-3
