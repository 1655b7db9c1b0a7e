"""The user's settings: moving the data folder copies first and keeps the old one."""

from __future__ import annotations

from pathlib import Path

from engine.contract.paths import data_dir
from gui.core import settings


def test_moving_the_data_folder_copies_then_switches(_private_data_dir: Path, tmp_path: Path):
    (_private_data_dir / "runs" / "r1").mkdir(parents=True)
    (_private_data_dir / "runs" / "r1" / "run.json").write_text("{}")
    target = settings.move_data_dir(tmp_path / "elsewhere")
    assert (target / "runs" / "r1" / "run.json").exists()
    assert (_private_data_dir / "runs" / "r1" / "run.json").exists()  # the old one is kept
    assert data_dir() == target
