"""The first window appears quickly: `python -m gui` painted and quit, median of three runs.

The issue's target is 1.5 s on this machine; the assertion is looser (shared CI machines are
noisy) and the measured median is printed for the closing note (`pytest -s`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_window_seconds(tmp_path: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QUILLORA_EXIT_AFTER_SHOW="1")
    env["QUILLORA_DATA_DIR"] = str(tmp_path / "data")
    env["QUILLORA_SETTINGS_FILE"] = str(tmp_path / "settings.ini")
    env["QUILLORA_T0"] = repr(time.time())
    result = subprocess.run(
        [sys.executable, "-m", "gui"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("first_window_seconds="))
    return float(line.split("=", 1)[1])


def test_first_window_is_fast(tmp_path: Path):
    median = statistics.median(first_window_seconds(tmp_path) for _ in range(3))
    print(f"first window median: {median:.2f} s")
    assert median < 6.0
