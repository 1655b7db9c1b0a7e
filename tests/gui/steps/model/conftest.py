"""Fixtures for the Model and Data page tests: offscreen Qt, private folders, a fake engine."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# GUI-core's scripted stand-in for `python -m engine` (read-only use).
FAKE_ENGINE = Path(__file__).resolve().parents[2] / "fake_engine.py"


@pytest.fixture(autouse=True)
def _private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Own data folder and Hugging Face cache, offline, and a fresh doctor cache."""
    from gui.steps.model.page import ModelPage

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)  # tests/gui/conftest.py made it already
    monkeypatch.setenv("QUILLORA_DATA_DIR", str(data))
    monkeypatch.setenv("QUILLORA_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(ModelPage, "_doctor_cache", None)
    yield


@pytest.fixture
def fake_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[list[dict[str, Any]]], None]:
    """Make every engine command of the test run a script of events instead."""

    def use(script: list[dict[str, Any]]) -> None:
        path = tmp_path / "engine-script.json"
        path.write_text(json.dumps(script), encoding="utf-8")
        monkeypatch.setenv(
            "QUILLORA_ENGINE_COMMAND", json.dumps([sys.executable, str(FAKE_ENGINE), str(path)])
        )

    return use
