"""Try it / Share test fixtures: offscreen Qt, a private data folder, fake run folders and the
scripted fake engine (fake_chat_engine.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FAKE = Path(__file__).with_name("fake_chat_engine.py")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    (data / "runs").mkdir(parents=True)
    monkeypatch.setenv("QUILLORA_DATA_DIR", str(data))
    monkeypatch.setenv("QUILLORA_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("FAKE_CHAT_LOG", str(tmp_path / "requests.log"))
    monkeypatch.setenv("FAKE_ARGV_LOG", str(tmp_path / "argv.log"))
    return data


@pytest.fixture
def fake_base() -> list[str]:
    return [sys.executable, str(FAKE)]


def make_run(root: Path, name: str = "20261127-100000-demo", *, samples: bool = True) -> Path:
    """A finished run folder as the trainer leaves it, with an evaluation's samples."""
    run = root / "runs" / name
    (run / "adapter").mkdir(parents=True)
    (run / "adapter" / "adapter_config.json").write_text("{}", encoding="utf-8")
    (run / "run.json").write_text(json.dumps({"config": {"model": {"name": "demo"}}}), "utf-8")
    finished = {
        "v": 1,
        "type": "finished",
        "time": 1795680000.0,
        "run_dir": str(run),
        "adapter_dir": str(run / "adapter"),
        "steps": 3,
        "final_loss": 2.0,
        "best_heldout_loss": 2.1,
        "seconds": 3.0,
    }
    (run / "events.jsonl").write_text(json.dumps(finished) + "\n", encoding="utf-8")
    if samples:
        evaluation = {
            "samples": [
                {
                    "prompt": f"Held-out request {i}",
                    "base": f"base answer {i}",
                    "tuned": f"tuned answer {i}",
                }
                for i in range(6)
            ]
        }
        (run / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    return run


@pytest.fixture
def run_dir(_private_data_dir: Path) -> Path:
    return make_run(_private_data_dir)


def requests_sent(tmp_path: Path) -> list[dict]:
    path = tmp_path / "requests.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
