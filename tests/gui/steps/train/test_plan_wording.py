"""Wording a new user tripped over on a CPU-only computer (issue 3's walk-through)."""

from __future__ import annotations

from engine.contract.config import RunConfig
from gui.steps.train.plan import Plan, estimate_text


def test_cpu_estimate_says_the_engine_itself_needs_memory_too() -> None:
    # The estimate said "under 0.1 GiB" and the Memory tile then showed 0.9 GiB.
    plan = Plan(RunConfig(), estimated_seconds=40, peak_memory_gib=0.05, total_steps=64)
    text = estimate_text(plan)
    assert "under 0.1 GiB for the model, plus about 1 GiB for the engine itself" in text
    on_gpu = Plan(RunConfig(), 40, 3.2, True, 64, on_gpu=True)
    assert "Peak graphics memory:</b> 3.2 GiB" in estimate_text(on_gpu)
    assert "engine itself" not in estimate_text(on_gpu)
