"""GUI test fixtures: offscreen Qt, a private data folder, and a scripted fake engine."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FAKE_ENGINE = Path(__file__).with_name("fake_engine.py")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder and settings, never the user's."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("QUILLORA_DATA_DIR", str(data))
    monkeypatch.setenv("QUILLORA_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    return data


@pytest.fixture
def fake_engine(tmp_path: Path) -> Callable[[list[dict[str, Any]]], list[str]]:
    """Returns a function that writes a script and gives the base command running it."""
    counter = {"n": 0}

    def make(script: list[dict[str, Any]]) -> list[str]:
        counter["n"] += 1
        path = tmp_path / f"script-{counter['n']}.json"
        path.write_text(json.dumps(script), encoding="utf-8")
        return [sys.executable, str(FAKE_ENGINE), str(path)]

    return make


def train_script(steps: int = 3, *, finish: bool = True) -> list[dict[str, Any]]:
    """A short, successful training run as the real engine would report it."""
    script: list[dict[str, Any]] = [
        {"emit": {"type": "run_started", "run_dir": "RUN", "model": "demo", "device": "cpu"}},
        {
            "emit": {
                "type": "data_prepared",
                "examples": 40,
                "train_examples": 36,
                "heldout_examples": 4,
                "dropped": 2,
                "total_tokens": 5000,
                "packed_rows": 10,
            }
        },
    ]
    for step in range(1, steps + 1):
        script.append(
            {
                "emit": {
                    "type": "step_progress",
                    "step": step,
                    "total_steps": steps,
                    "loss": 3.0 - 0.3 * step,
                    "learning_rate": 2e-4,
                    "tokens_per_second": 900.0,
                    "memory_gib": 0.4,
                    "eta_seconds": float(steps - step),
                }
            }
        )
    script.append(
        {
            "emit": {
                "type": "evaluation",
                "step": steps,
                "heldout_loss": 2.5,
                "best_loss": 2.5,
                "improved": True,
                "patience_left": 3,
            }
        }
    )
    if finish:
        script.append(
            {
                "emit": {
                    "type": "finished",
                    "run_dir": "RUN",
                    "adapter_dir": "RUN/adapter",
                    "steps": steps,
                    "final_loss": 2.1,
                    "best_heldout_loss": 2.5,
                    "seconds": 1.0,
                }
            }
        )
    return script
