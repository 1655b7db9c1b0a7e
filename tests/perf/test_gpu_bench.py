"""On a CUDA machine only: the 1B-shaped benchmark runs and its memory prediction holds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_1b_benchmark_predicts_peak_memory_within_15_percent(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import train_bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = tmp_path / "bench.json"
    args = ["--shape", "1b", "--modes", "packed", "--variants", "baseline,engine-lowmem"]
    assert train_bench.main([*args, "--out", str(out)]) == 0
    for result in json.loads(out.read_text())["results"]:
        assert result["grads_nonzero"]
        assert result["predicted_peak_gib"] == pytest.approx(result["peak_gib"], rel=0.15)
