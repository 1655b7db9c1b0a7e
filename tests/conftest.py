"""Shared fixtures: a private data folder for the whole session and the tiny test model.

Every test session writes into a temporary Quillora data folder (QUILLORA_DATA_DIR), never
into the user's real one; child processes (the engine CLI) inherit it. The tiny random test
model is built once per session inside it, so `python -m engine ... --model tiny-test`
started by a test finds it already cached. The real demo model's fixtures live in
tests/real_model/conftest.py.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session", autouse=True)
def quillora_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary data folder, exported as QUILLORA_DATA_DIR for the whole session."""
    root = tmp_path_factory.mktemp("quillora-data")
    previous = os.environ.get("QUILLORA_DATA_DIR")
    os.environ["QUILLORA_DATA_DIR"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("QUILLORA_DATA_DIR", None)
    else:
        os.environ["QUILLORA_DATA_DIR"] = previous


@pytest.fixture(scope="session")
def tiny_model(quillora_data_dir: Path) -> Path:
    """The tiny test model's folder (tokenizer, config, safetensors), built once per session."""
    from engine.tiny_test_model import ensure_tiny_test_model

    return ensure_tiny_test_model(quillora_data_dir)


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model: Path) -> Any:
    from engine.modeling import load_tokenizer

    return load_tokenizer(tiny_model)


@pytest.fixture(autouse=True)
def torch_grad_mode_is_left_on() -> Iterator[None]:
    """No code under test may switch autograd off for the whole process.

    A global `torch.set_grad_enabled(False)` in one module once broke every later training
    test in the same session; this makes such a leak fail the test that caused it.
    """
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        assert torch.is_grad_enabled(), "autograd was left switched off for the whole process"


@pytest.fixture(scope="session")
def trained_tiny_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run folder from `python -m engine train --model tiny-test --max-steps 3`, once.

    Read it or copy it (`tiny_run_copy`); tests that write into a run use the copy.
    """
    import subprocess

    root = Path(__file__).resolve().parents[1]
    run = tmp_path_factory.mktemp("trained-tiny") / "run"
    samples = root / "assets" / "samples" / "brand_voice.csv"
    command = [sys.executable, "-m", "engine", "train", "--model", "tiny-test"]
    command += ["--data", str(samples), "--output", str(run), "--max-steps", "3"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return run


@pytest.fixture
def tiny_run_copy(trained_tiny_run: Path, tmp_path: Path) -> Path:
    """A private copy of the trained tiny run, for tests that write into the run folder."""
    import shutil

    return Path(shutil.copytree(trained_tiny_run, tmp_path / trained_tiny_run.name))
