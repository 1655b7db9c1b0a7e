"""Shared fixtures: a private data folder for the whole session and the tiny demo model.

Every test session writes into a temporary Quillora data folder (QUILLORA_DATA_DIR), never
into the user's real one; child processes (the engine CLI) inherit it. The demo model is
built once per session inside it, so `python -m engine ... --model demo` started by a test
finds it already cached.
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
def demo_model(quillora_data_dir: Path) -> Path:
    """The demo model's folder (tokenizer, config, safetensors), built once per session."""
    from engine.demo import ensure_demo_model

    return ensure_demo_model(quillora_data_dir)


@pytest.fixture(scope="session")
def demo_tokenizer(demo_model: Path) -> Any:
    from engine.modeling import load_tokenizer

    return load_tokenizer(demo_model)


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
