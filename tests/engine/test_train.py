"""The real QLoRA path on the tiny test model: CLI events, falling loss, LoRA on 4-bit layers."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.contract.events import (
    DataPrepared,
    Evaluation,
    Finished,
    RunStarted,
    StepProgress,
    parse_line,
)
from engine.run_folder import RunFolder
from engine.train.loop import TrainingJob, train
from tests.engine.train_helpers import Recorder, config, examples

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def brand_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "brand.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(40):
            writer.writerow([f"{example.source}: write a post.", example.response])
    return path


def test_cli_train_emits_events_in_order_and_writes_the_run_folder(
    tiny_model: Path, brand_csv: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "engine", "train", "--model", "tiny-test"]
    command += ["--data", str(brand_csv), "--output", str(run_dir), "--max-steps", "16"]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=240, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    events = [parse_line(line) for line in result.stdout.splitlines()]

    kinds = [type(e) for e in events]
    assert kinds[0] is RunStarted and kinds[-1] is Finished
    assert kinds.index(DataPrepared) < kinds.index(StepProgress)
    steps = [e for e in events if isinstance(e, StepProgress)]
    assert [e.step for e in steps] == list(range(1, 17))
    losses = [e.loss for e in steps]
    assert all(math.isfinite(x) for x in losses)
    assert sum(losses[-4:]) / 4 < losses[0] - 0.3
    evaluations = [e for e in events if isinstance(e, Evaluation)]
    assert evaluations[0].step == 0 and evaluations[-1].step == 16
    assert evaluations[-1].heldout_loss < evaluations[0].heldout_loss - 0.3
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.reason == "max_steps"

    run = RunFolder(run_dir)
    for path in (run.run_json, run.events, run.manifest, run.model_card):
        assert path.is_file(), path
    assert (run.adapter / "adapter_model.safetensors").is_file()
    assert (run.adapter / "adapter_config.json").is_file()
    assert (run.adapter / "tokenizer.json").is_file()
    record = json.loads(run.run_json.read_text())
    assert record["state"] == "max_steps"
    assert record["config"]["training"]["max_steps"] == 16
    assert record["software"]["bitsandbytes"]
    logged = run.events.read_text().splitlines()
    assert len(logged) == len(events)
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [
            "adapter",
            "checkpoints",
            "data-manifest.json",
            "evaluation.json",
            "events.jsonl",
            "model-card.md",
            "run.json",
        ]
    )
    # After training, base versus tuned on the held-out examples: the tuned model is less
    # surprised by the user's writing; the event log carries figures, never the samples.
    evaluation = json.loads((run.path / "evaluation.json").read_text())
    perplexity = evaluation["perplexity"]
    assert perplexity["tuned"]["perplexity"] < perplexity["base"]["perplexity"]
    assert "samples" in evaluation and "samples" not in run.events.read_text()
    assert "Held-out perplexity" in (run.path / "model-card.md").read_text()


def test_training_changes_only_lora_on_4bit_layers_and_the_adapter_reloads(
    tiny_model: Path, tmp_path: Path
) -> None:
    import bitsandbytes as bnb
    import torch
    from peft import PeftModel

    from engine.modeling import attach_lora, choose_placement, load_4bit_model

    settings = config(max_steps=10)
    run = RunFolder(tmp_path / "run").create()
    recorder = Recorder()
    outcome = train(TrainingJob(settings, tiny_model, examples(), examples(6), run, recorder))
    trained = outcome.model

    # A fresh model with the same seed is the starting point the run had.
    torch.manual_seed(settings.training.seed)
    fresh = attach_lora(load_4bit_model(tiny_model, choose_placement(), False), settings.lora)
    fresh_params = dict(fresh.named_parameters())
    lora_changed = 0
    for name, param in trained.named_parameters():
        if "lora_" in name:
            assert param.requires_grad
            lora_changed += int(not torch.equal(param, fresh_params[name]))
        else:
            assert not param.requires_grad, name
    assert lora_changed == sum(1 for n in fresh_params if "lora_" in n)

    base_layers = [m for m in trained.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(base_layers) == 2 * 7  # q, k, v, o, gate, up, down in each of 2 layers
    for layer, fresh_layer in zip(
        base_layers, [m for m in fresh.modules() if isinstance(m, bnb.nn.Linear4bit)], strict=True
    ):
        assert torch.equal(layer.weight.data, fresh_layer.weight.data)  # frozen 4-bit weights

    ids = torch.tensor([[5, 40, 41, 42, 43, 44, 45, 46]])
    trained.eval()
    with torch.no_grad():
        expected = trained(input_ids=ids).logits.float()
        base = load_4bit_model(tiny_model, choose_placement(), False)
        reloaded = PeftModel.from_pretrained(base, run.adapter).eval()
        actual = reloaded(input_ids=ids).logits.float()
    assert float((actual - expected).abs().max()) < 1e-4
    losses = [e.loss for e in recorder.of(StepProgress)]
    assert losses[-1] < losses[0]
