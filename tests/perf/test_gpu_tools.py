"""The device script's pieces on the CPU: the training bench's profile of a missed target, and
the summary that checks every figure against its target (bench/gpu_check.sh runs both)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench_module(name: str):  # -> module
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "bench"))


@pytest.mark.slow
def test_missed_speed_target_is_profiled_and_summarised(tmp_path: Path) -> None:
    train_bench = _bench_module("train_bench")
    gpu_summary = _bench_module("gpu_summary")
    out = tmp_path / "bench.json"
    args = ["--shape", "tiny", "--modes", "packed", "--variants", "baseline,engine",
            "--warmup", "1", "--steps", "2", "--profile-below", "1000,1000"]  # fmt: skip
    assert train_bench.main([*args, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["warmup_steps"] == 1
    baseline, engine = report["results"]
    assert baseline["measured_steps"] == 2 and len(baseline["loss"]) == 3
    assert "profile" not in baseline  # the baseline has no target of its own
    top = engine["profile"]["top"]  # 1000x the baseline: always missed, so profiled
    assert top and all(row["self_ms"] >= 0 for row in top)
    assert sum(row["share"] for row in top) <= 1.0001

    folder = tmp_path / "out"
    folder.mkdir()
    shutil.copy(out, folder / "train-1b.json")
    assert gpu_summary.main([str(folder)]) == 0
    checks = {c["check"]: c for c in json.loads((folder / "summary.json").read_text())["checks"]}
    speed = checks["train 1b engine speed x baseline"]
    assert speed["value"] == engine["speed_vs_baseline"]
    assert speed["pass"] is (engine["speed_vs_baseline"] >= 3.0)
    assert checks["train 1b engine peak / baseline peak"]["pass"] is None  # no GPU peak
    assert "train 1b engine profile: top kernels" in checks
    fell = checks["train 1b engine loss fell, grads non-zero"]
    assert fell["value"] == engine["first_batch_loss"]
    assert fell["pass"] is (engine["loss_fell"] and engine["grads_nonzero"])
