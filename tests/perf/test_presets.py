"""The dial: pure derivation of every setting from the dial, the data and the GPU."""

from __future__ import annotations

import pytest

from engine.contract.estimates import (
    CUDA_CONTEXT_GIB,
    DEMO_SHAPE,
    ENGINE_LOSS,
    LLAMA_3_1_8B,
    LLAMA_3_2_1B,
    TrainPlan,
    peak_memory_gib,
)
from engine.contract.presets import (
    DIAL,
    MEMORY_MARGIN,
    derive,
    derive_lora,
    derive_training,
    learning_rate,
    limit_steps,
)

DIALS = ("quick", "balanced", "thorough")


def _plan(derived) -> TrainPlan:
    t = derived.training
    return TrainPlan(
        t.sequence_length,
        t.micro_batch_size,
        derived.lora.rank,
        t.gradient_checkpointing,
        loss=ENGINE_LOSS,
        checkpointed_layers=derived.checkpointed_layers,
    )


@pytest.mark.parametrize("gpu_gib", [6.0, 8.0, 12.0, 16.0, 24.0, 48.0, 80.0])
@pytest.mark.parametrize("model", [LLAMA_3_2_1B, LLAMA_3_1_8B])
@pytest.mark.parametrize("dial", DIALS)
def test_the_plan_fits_the_card_with_margin(dial, model, gpu_gib) -> None:
    derived = derive(dial, 2000, 2000 * 300, gpu_gib, model, "NVIDIA GeForce RTX 4090")
    predicted = peak_memory_gib(model, _plan(derived))
    if gpu_gib < 10 and model is LLAMA_3_1_8B:
        return  # may not fit at all: covered by test_a_model_too_big_for_the_card_says_so
    assert derived.fits
    assert predicted + CUDA_CONTEXT_GIB <= gpu_gib * MEMORY_MARGIN
    assert derived.peak_memory_gib == pytest.approx(predicted, abs=0.01)


def test_checkpointing_is_off_when_memory_allows_and_on_when_it_does_not() -> None:
    roomy = derive_training("balanced", 2000, 600_000, 80.0, LLAMA_3_1_8B)
    small = derive_training("balanced", 2000, 600_000, 10.0, LLAMA_3_1_8B)
    assert not roomy.gradient_checkpointing
    assert small.gradient_checkpointing


@pytest.mark.parametrize("model", [LLAMA_3_2_1B, LLAMA_3_1_8B])
def test_more_memory_never_makes_the_plan_slower(model) -> None:
    """Rows never get shorter, checkpointing once off stays off, and without checkpointing
    the micro-batch never shrinks, as the card grows."""
    plans = [
        derive_training("balanced", 5000, 5000 * 500, gib, model)
        for gib in (4, 6, 8, 12, 16, 24, 48, 80, 141)
    ]
    rows = [t.sequence_length for t in plans]
    assert rows == sorted(rows)
    checkpointing = [t.gradient_checkpointing for t in plans]
    assert checkpointing == sorted(checkpointing, reverse=True)
    without = [t.micro_batch_size for t in plans if not t.gradient_checkpointing]
    assert without == sorted(without)


def test_a_model_too_big_for_the_card_says_so() -> None:
    derived = derive("balanced", 1000, 300_000, 3.0, LLAMA_3_1_8B)
    assert not derived.fits
    assert derived.training.micro_batch_size == 1
    assert derived.training.gradient_checkpointing


def test_the_dial_orders_effort() -> None:
    quick, balanced, thorough = (
        derive(d, 500, 500 * 250, 24.0, LLAMA_3_2_1B, "NVIDIA GeForce RTX 4090") for d in DIALS
    )
    assert quick.training.epochs < balanced.training.epochs < thorough.training.epochs
    assert quick.lora.rank < balanced.lora.rank < thorough.lora.rank
    assert quick.estimated_seconds < balanced.estimated_seconds < thorough.estimated_seconds
    assert quick.training.early_stopping_patience <= thorough.training.early_stopping_patience
    assert derive_lora("thorough") == thorough.lora


def test_small_data_gets_more_passes_and_enough_steps() -> None:
    small = derive("balanced", 40, 40 * 200, 24.0, LLAMA_3_2_1B)
    large = derive("balanced", 20_000, 20_000 * 300, 24.0, LLAMA_3_2_1B)
    assert small.training.epochs > large.training.epochs
    assert small.total_steps >= 20
    assert 1 <= small.training.eval_every <= small.total_steps
    assert small.training.checkpoint_every >= small.training.eval_every


def test_effective_batch_is_about_16k_tokens_on_plenty_of_data() -> None:
    t = derive_training("balanced", 20_000, 20_000 * 300, 80.0, LLAMA_3_2_1B)
    rows = t.micro_batch_size * t.gradient_accumulation
    assert 16384 <= rows * t.sequence_length <= 2 * 16384


def test_the_cpu_demo_plan_is_small_and_quick() -> None:
    derived = derive("balanced", 40, 40 * 60, None, DEMO_SHAPE)
    t = derived.training
    assert t.sequence_length <= 512
    assert not t.gradient_checkpointing
    assert derived.estimated_seconds < 60
    assert derived.total_steps >= 20


def test_the_processor_checks_four_times_and_saves_at_each_check() -> None:
    on_cpu = derive("quick", 135, 16242, None, DEMO_SHAPE)
    on_gpu = derive("quick", 135, 16242, 24.0, DEMO_SHAPE)
    assert on_cpu.total_steps // on_cpu.training.eval_every == 4
    assert on_cpu.training.checkpoint_every == on_cpu.training.eval_every
    assert on_gpu.total_steps // on_gpu.training.eval_every >= 10
    assert on_gpu.training.checkpoint_every == 2 * on_gpu.training.eval_every


def test_a_step_limit_spreads_the_checks_over_the_steps_taken() -> None:
    derived = derive("balanced", 40, 40 * 60, None, DEMO_SHAPE)
    assert limit_steps(derived, 0) == derived.training  # no limit: as derived
    short = limit_steps(derived, 3)
    assert short.max_steps == 3 and short.eval_every == 1 and short.checkpoint_every == 1
    half = limit_steps(derived, derived.total_steps // 2)
    assert half.eval_every < derived.training.eval_every


def test_narrow_models_take_larger_steps_up_to_five_times() -> None:
    for dial in DIALS:
        base = DIAL[dial].learning_rate
        assert learning_rate(dial, LLAMA_3_1_8B) == base  # 4,096 wide: LoRA's usual rate
        assert learning_rate(dial, LLAMA_3_2_1B) == pytest.approx(2 * base)  # 2,048 wide
        assert learning_rate(dial, DEMO_SHAPE) == pytest.approx(5 * base)  # 576: capped
        assert derive(dial, 200, 20000, None, DEMO_SHAPE).training.learning_rate == (
            learning_rate(dial, DEMO_SHAPE)
        )


def test_unknown_dial_position_is_refused() -> None:
    with pytest.raises(ValueError):
        derive("slow", 10, 1000, None, DEMO_SHAPE)  # type: ignore[arg-type]


def test_zero_examples_still_gives_valid_settings() -> None:
    derived = derive("quick", 0, 0, None, DEMO_SHAPE)
    assert derived.total_steps >= 1


@pytest.mark.parametrize("gpu_gib", [8.0, 12.0, 24.0])
def test_a_chunked_loss_fits_at_least_as_many_tokens(gpu_gib: float) -> None:
    full = derive("balanced", 20_000, 20_000 * 300, gpu_gib, LLAMA_3_1_8B, loss="full")
    chunked = derive("balanced", 20_000, 20_000 * 300, gpu_gib, LLAMA_3_1_8B, loss="chunked")

    def tokens(derived) -> int:
        return derived.training.micro_batch_size * derived.training.sequence_length

    assert tokens(chunked) >= tokens(full)
    if chunked.training == full.training:
        assert chunked.peak_memory_gib <= full.peak_memory_gib


def test_selective_recomputation_checkpoints_only_what_memory_needs() -> None:
    counts = [
        derive("balanced", 20_000, 20_000 * 300, gib, LLAMA_3_1_8B).checkpointed_layers
        for gib in (16.0, 24.0, 32.0, 48.0, 80.0)
    ]
    assert counts == sorted(counts, reverse=True)
    assert any(0 < count < LLAMA_3_1_8B.layers for count in counts)
    assert counts[-1] == 0
    partial = derive("balanced", 20_000, 20_000 * 300, 24.0, LLAMA_3_1_8B)
    assert partial.training.gradient_checkpointing == (partial.checkpointed_layers > 0)
