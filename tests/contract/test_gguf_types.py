"""The GGUF types the Share page offers: each has measured figures, read from the bench."""

from __future__ import annotations

import json
from pathlib import Path

from engine.contract.gguf_types import DEFAULT_GGUF_TYPE, GGUF_TYPE_INFO, GGUF_TYPES, type_summary

RESULTS = Path(__file__).resolve().parents[2] / "bench/results/gguf-quant-cpu-2026-12-04.json"


def test_every_type_has_figures_that_match_the_bench() -> None:
    assert set(GGUF_TYPE_INFO) == set(GGUF_TYPES) and DEFAULT_GGUF_TYPE == "q4_k_m"
    bench = json.loads(RESULTS.read_text(encoding="utf-8"))["models"]
    for key, info in GGUF_TYPE_INFO.items():
        if key == "bf16":
            continue  # the same size as f16; not in the bench
        small = bench["smollm2-135m"]["types"][key]
        large = bench["llama-1b-shape"]["types"][key]
        assert abs(info.same_top_word - small["top_token_same_as_f16"]) < 0.001, key
        assert abs(info.perplexity_change - small["perplexity_vs_f16"]) < 0.001, key
        assert abs(info.bits_per_weight - large["bits_per_weight"]) < 0.01, key
        assert abs(info.minutes_1b - large["seconds"] / 60) < 0.05, key


def test_summary_is_a_plain_sentence() -> None:
    text = type_summary("q4_k_m")
    assert text.startswith("A 1B model becomes about 0.8 GB") and "88%" in text
    assert text.endswith(".") and type_summary("nonsense") == ""
    assert "nothing the model learned" in type_summary("f16")
