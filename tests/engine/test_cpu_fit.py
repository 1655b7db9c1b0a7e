"""Training on the processor: which models fit in time and memory, and refusing the rest.

Pure checks on engine.contract.cpu_fit (the Model step's badges), then the engine itself
refusing an 8B model on this CPU-only machine before loading (or downloading) anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.contract.catalog import find, load_catalog
from engine.contract.cpu_fit import cpu_fit
from engine.contract.estimates import CPU_REFERENCE_PLAN, DEMO_SHAPE, LLAMA_3_1_8B

ROOT = Path(__file__).resolve().parents[2]
BRAND_CSV = ROOT / "assets" / "samples" / "brand_voice.csv"


def test_small_models_fit_the_processor_and_8b_models_do_not() -> None:
    badges = {entry.hub_id: cpu_fit(entry.shape, 16.0).badge for entry in load_catalog()}
    assert badges["demo"] == "fits"
    assert badges["Qwen/Qwen2.5-0.5B-Instruct"] == "fits"
    assert badges["HuggingFaceTB/SmolLM2-360M-Instruct"] == "fits"
    assert badges["meta-llama/Llama-3.1-8B-Instruct"] == "too big"
    assert badges["Qwen/Qwen2.5-7B-Instruct"] == "too big"
    # Even with memory to spare, 8B on a processor takes hours: refused for time.
    roomy = cpu_fit(LLAMA_3_1_8B, 256.0)
    assert roomy.badge == "too big" and "hours" in roomy.reason and "demo model" in roomy.reason


def test_the_demo_time_comes_from_the_shared_estimator_and_memory_is_checked() -> None:
    from engine.contract.estimates import estimate_run_seconds

    demo = cpu_fit(DEMO_SHAPE, 8.0)
    assert 1 <= demo.minutes <= 10 and demo.memory_gib < 4
    assert "minutes" in demo.reason
    reference = estimate_run_seconds(20_000, 2.0, "CPU", DEMO_SHAPE, CPU_REFERENCE_PLAN) / 60
    assert demo.minutes == pytest.approx(reference)
    small_laptop = cpu_fit(find("Qwen/Qwen2.5-3B-Instruct").shape, 4.0)  # type: ignore[union-attr]
    assert small_laptop.badge == "too big" and "4 GB" in small_laptop.reason


def _train(model: str, tmp_path: Path) -> list[dict]:
    command = [sys.executable, "-m", "engine", "train", "--model", model, "--data", str(BRAND_CSV)]
    command += ["--output", str(tmp_path / "run")]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode != 0
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_engine_refuses_an_8b_folder_on_the_cpu_with_a_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "llama-8b"
    folder.mkdir()
    config = {
        "model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
        "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
        "vocab_size": 128256, "tie_word_embeddings": False,
    }  # fmt: skip
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").write_bytes(b"")  # never read: refused before loading
    failed = [e for e in _train(str(folder), tmp_path) if e["type"] == "failed"]
    assert failed and failed[0]["kind"] == "no_gpu"
    assert "8.0B-parameter model" in failed[0]["message"]
    assert "demo model" in failed[0]["message"]


def test_a_catalog_8b_model_is_refused_before_any_download(tmp_path: Path) -> None:
    events = _train("meta-llama/Llama-3.1-8B-Instruct", tmp_path)
    failed = [e for e in events if e["type"] == "failed"]
    assert failed and failed[0]["kind"] == "no_gpu"
    assert not [e for e in events if e["type"] == "download_progress"]
