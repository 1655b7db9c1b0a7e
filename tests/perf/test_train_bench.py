"""The training benchmark runs end to end on the CPU with the tiny shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_tiny_benchmark_runs_and_packing_keeps_documents_apart(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import train_bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = tmp_path / "bench.json"
    assert train_bench.main(["--shape", "tiny", "--modes", "padded", "--variants",
                             "baseline,engine", "--out", str(out)]) == 0  # fmt: skip
    report = json.loads(out.read_text())
    baseline, engine = report["results"]
    assert engine["speed_vs_baseline"] > 0
    assert all(r["grads_nonzero"] for r in report["results"])
    for result in report["results"]:
        # The first batch once more after training: same tokens, so only learning moves it.
        before, after = result["first_batch_loss"]
        assert before == result["loss"][0]
        assert result["loss_fell"] is (after < before)
        assert after < before - 0.01, result["variant"]
    # The same documents padded (baseline) and packed in one row (engine, position ids
    # restarting per document) give the same losses: packed documents do not see each other.
    assert engine["loss"] == pytest.approx(baseline["loss"], abs=2e-3)
