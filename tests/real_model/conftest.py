"""The real demo model (SmolLM2-135M-Instruct from its shipped GGUF file), made once a session.

Budgeted at about three minutes on 2 cores for the whole tier: the GGUF file is converted
once (about 20 s), one short `engine train --model demo` run is made once and shared, and
each test reads it or loads the model itself for a forward pass or two.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BRAND_CSV = REPO / "assets" / "samples" / "brand_voice.csv"
DEMO_STEPS = 2


@pytest.fixture(scope="session")
def real_demo_model(quillora_data_dir: Path) -> Path:
    """The converted demo folder (bf16 safetensors, tokenizer, chat template)."""
    from engine.demo import ensure_demo_model

    return ensure_demo_model(quillora_data_dir)


@pytest.fixture(scope="session")
def real_demo_tokenizer(real_demo_model: Path) -> Any:
    from engine.modeling import load_tokenizer

    return load_tokenizer(real_demo_model)


@pytest.fixture(scope="session")
def real_demo_run(real_demo_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m engine train --model demo` on the brand CSV, a few steps, made once."""
    run = tmp_path_factory.mktemp("real-demo") / "run"
    command = [sys.executable, "-m", "engine", "train", "--model", "demo", "--no-evaluate"]
    command += ["--data", str(BRAND_CSV), "--output", str(run), "--max-steps", str(DEMO_STEPS)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return run


@pytest.fixture(scope="session")
def real_demo_events(real_demo_run: Path) -> list[dict[str, Any]]:
    lines = (real_demo_run / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def real_demo_gguf(real_demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable:
    """The real demo run exported as GGUF (q8_0 unless asked), each type made on first use."""
    made: dict[str, Any] = {}

    def get(quantization: str = "q8_0") -> Any:
        if quantization not in made:
            from engine.chat.run_info import read_run
            from engine.export.exports import export_gguf

            out = tmp_path_factory.mktemp(f"real-gguf-{quantization}")
            made[quantization] = export_gguf(read_run(real_demo_run), out, quantization)
        return made[quantization]

    return get
