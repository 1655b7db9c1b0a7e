"""The memory and speed estimators: sane shapes, monotone, and true to docs/performance.md."""

from __future__ import annotations

import pytest

from engine.contract.estimates import (
    GPU_CLASSES,
    LLAMA_3_1_8B,
    LLAMA_3_2_1B,
    TINY_TEST_SHAPE,
    TrainPlan,
    estimate_run_seconds,
    fit_badge,
    peak_memory_gib,
    tokens_per_second,
    weights_gib,
)

BASELINE_PACKED = TrainPlan(2048, 4, loss="full", upcast_frozen=True)
# Padded: 8 documents a step, the longest at the 1,500-token clip in the peak step.
BASELINE_PADDED = TrainPlan(1500, 8, loss="full", upcast_frozen=True)
HEADROOM_B = TrainPlan(2048, 4, loss="chunked", fused_kernels=True)
HEADROOM_C = TrainPlan(2048, 4, loss="chunked", gradient_checkpointing=False, fused_kernels=True)


def test_parameter_counts_match_the_published_sizes() -> None:
    assert LLAMA_3_2_1B.total_parameters == pytest.approx(1.236e9, rel=0.01)
    assert LLAMA_3_1_8B.total_parameters == pytest.approx(8.03e9, rel=0.01)


def test_4bit_weights_of_an_8b_model_take_about_5_and_a_half_gib() -> None:
    assert 5.0 <= weights_gib(LLAMA_3_1_8B) <= 6.0
    assert weights_gib(LLAMA_3_1_8B, double_quant=False) > weights_gib(LLAMA_3_1_8B)
    assert 0.8 <= weights_gib(LLAMA_3_2_1B) <= 1.2


@pytest.mark.parametrize(
    ("model", "plan", "measured", "tolerance"),
    [
        # Predictions (not fitted): the plain baseline, four figures.
        (LLAMA_3_2_1B, BASELINE_PACKED, 18.3, 0.03),
        (LLAMA_3_1_8B, BASELINE_PACKED, 27.3, 0.03),
        (LLAMA_3_2_1B, BASELINE_PADDED, 26.1, 0.03),
        (LLAMA_3_1_8B, BASELINE_PADDED, 36.5, 0.03),
        # Fitted: B sets the backward transient, C sets the per-layer activation sizes.
        (LLAMA_3_2_1B, HEADROOM_B, 2.9, 0.05),
        (LLAMA_3_1_8B, HEADROOM_B, 10.1, 0.05),
        (LLAMA_3_2_1B, HEADROOM_C, 18.0, 0.02),
        (LLAMA_3_1_8B, HEADROOM_C, 68.4, 0.02),
    ],
)
def test_peak_memory_reproduces_the_measured_peaks(model, plan, measured, tolerance) -> None:
    assert peak_memory_gib(model, plan) == pytest.approx(measured, rel=tolerance)


@pytest.mark.parametrize("model", [TINY_TEST_SHAPE, LLAMA_3_2_1B, LLAMA_3_1_8B])
def test_memory_grows_with_every_knob(model) -> None:
    base = TrainPlan(1024, 1, 16)
    bigger = [
        TrainPlan(2048, 1, 16),
        TrainPlan(1024, 2, 16),
        TrainPlan(1024, 1, 64),
        TrainPlan(1024, 1, 16, gradient_checkpointing=False),
        TrainPlan(1024, 1, 16, upcast_frozen=True),
        TrainPlan(1024, 1, 16, double_quant=False),
    ]
    for plan in (
        TrainPlan(1024, 1, 16, fused_kernels=True),
        TrainPlan(1024, 1, 16, loss="chunked"),
    ):
        assert peak_memory_gib(model, plan) <= peak_memory_gib(model, base), plan
    for plan in bigger:
        # On the 2-layer test model, checkpointing saves nothing: the loss phase dominates.
        if model is TINY_TEST_SHAPE and not plan.gradient_checkpointing:
            continue
        assert peak_memory_gib(model, plan) > peak_memory_gib(model, base), plan


def test_larger_models_need_more_memory_and_run_slower() -> None:
    plan = TrainPlan(2048, 2)
    assert peak_memory_gib(TINY_TEST_SHAPE, plan) < peak_memory_gib(LLAMA_3_2_1B, plan)
    assert peak_memory_gib(LLAMA_3_2_1B, plan) < peak_memory_gib(LLAMA_3_1_8B, plan)
    for gpu in ("H200", "RTX 4090", "CPU"):
        assert tokens_per_second(LLAMA_3_2_1B, plan, gpu) > tokens_per_second(
            LLAMA_3_1_8B, plan, gpu
        )


@pytest.mark.parametrize(
    ("model", "implementation", "plan", "measured"),
    [
        (LLAMA_3_2_1B, "baseline", BASELINE_PACKED, 8828),
        (LLAMA_3_1_8B, "baseline", BASELINE_PACKED, 2876),
        (LLAMA_3_2_1B, "engine", HEADROOM_B, 25159),
        (LLAMA_3_1_8B, "engine", HEADROOM_C, 10124),
    ],
)
def test_speed_is_calibrated_on_the_h200_figures(model, implementation, plan, measured) -> None:
    predicted = tokens_per_second(model, plan, "H200", implementation)
    assert predicted == pytest.approx(measured, rel=0.01)


def test_faster_gpus_train_faster_and_checkpointing_costs_time() -> None:
    plan = TrainPlan(2048, 4)
    assert tokens_per_second(LLAMA_3_1_8B, plan, "H100") > tokens_per_second(
        LLAMA_3_1_8B, plan, "RTX 4090"
    )
    off = TrainPlan(2048, 4, gradient_checkpointing=False)
    assert tokens_per_second(LLAMA_3_1_8B, off, "H200") > tokens_per_second(
        LLAMA_3_1_8B, plan, "H200"
    )


def test_run_time_grows_with_tokens_and_epochs() -> None:
    one = estimate_run_seconds(1_000_000, 1, "RTX 4090", LLAMA_3_1_8B)
    assert estimate_run_seconds(2_000_000, 1, "RTX 4090", LLAMA_3_1_8B) > one
    assert estimate_run_seconds(1_000_000, 3, "RTX 4090", LLAMA_3_1_8B) > one
    assert estimate_run_seconds(1_000_000, 1, "H200", LLAMA_3_1_8B) < one
    # 1M tokens of an 8B model on an H200 at the engine's checkpointed speed: a few minutes.
    assert 100 < estimate_run_seconds(1_000_000, 1, "H200", LLAMA_3_1_8B) < 400


def test_every_gpu_class_has_a_source() -> None:
    for gpu in GPU_CLASSES.values():
        assert gpu.source


@pytest.mark.parametrize(
    ("model", "gpu_gib", "badge"),
    [
        (LLAMA_3_1_8B, None, "needs an NVIDIA GPU"),
        (LLAMA_3_1_8B, 0.0, "needs an NVIDIA GPU"),
        (LLAMA_3_1_8B, 4.0, "too big"),
        (LLAMA_3_1_8B, 6.0, "too big"),
        # With the chunked loss an 8B model squeezes onto an 8 GiB card, with little room.
        (LLAMA_3_1_8B, 8.0, "tight"),
        (LLAMA_3_1_8B, 10.0, "tight"),
        (LLAMA_3_1_8B, 12.0, "fits"),
        (LLAMA_3_1_8B, 24.0, "fits"),
        (LLAMA_3_2_1B, 2.0, "too big"),
        (LLAMA_3_2_1B, 3.0, "tight"),
        (LLAMA_3_2_1B, 4.0, "fits"),
        (LLAMA_3_2_1B, 6.0, "fits"),
        (TINY_TEST_SHAPE, 1.0, "fits"),
    ],
)
def test_fit_badges(model, gpu_gib, badge) -> None:
    assert fit_badge(model, gpu_gib) == badge


def test_a_chunked_loss_makes_badges_kinder() -> None:
    assert fit_badge(LLAMA_3_1_8B, 8.0, loss="chunked") == "tight"
    assert fit_badge(LLAMA_3_2_1B, 4.0, loss="chunked") == "fits"


def test_badges_only_get_worse_as_memory_shrinks() -> None:
    order = ["fits", "tight", "too big"]
    ranks = [order.index(fit_badge(LLAMA_3_1_8B, gib)) for gib in range(24, 2, -1)]
    assert ranks == sorted(ranks)
