"""`python -m gui.tour OUTDIR` renders every screen without an engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tour_renders_every_screen(tmp_path: Path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "gui.tour", str(tmp_path / "shots")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    shots = sorted((tmp_path / "shots").glob("*.png"))
    names = {p.stem for p in shots}
    for screen in (
        "01-welcome",
        "02-model-gpu",
        "02-model-no-gpu",
        "02-model-download",
        "03-data",
        "04-train-setup",
        "06-train-running",
        "08-train-finished",
        "09-train-error",
        "10-error-dialog",
        "11-try-chat",
        "11-try-blind-score",
        "12-share",
        "12-share-done",
        "12-share-error",
        "13-runs",
        "14-settings",
        "16-run-detail",
        "16-run-model-card",
        "16-run-detail-not-measured",
        "01-welcome-dark",
        "11-try-chat-dark",
        "16-run-detail-dark",
    ):
        assert screen in names, names
    assert all(p.stat().st_size > 5000 for p in shots)
