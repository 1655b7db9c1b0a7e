"""The dial: quick / balanced / thorough + the data size + the GPU give every setting.

Pure and standard-library only, so the GUI can show the derived values (and the expected time
and memory) before Start, and the engine derives the very same values at Start.

What the dial sets: how many times the model reads the data (epochs), the adapter's capacity
(LoRA rank), the learning rate and early-stopping patience. What the data sets: the row
length (room for about four average examples, since rows are packed) and the examples a
learning step sees (about 16k tokens, fewer for small data so a run still takes enough
steps to learn and to be checked). What the GPU sets, through the memory plan of
`estimates.py`: the micro-batch, gradient accumulation and gradient checkpointing. The plan
checkpoints as few decoder layers as fit within `MEMORY_MARGIN` of the card (no
checkpointing is about 1.4x faster than checkpointing all; `checkpointed_layers` says how many,
engine.fast.checkpointing applies it), with the largest micro-batch at that count, and
shortens rows only when nothing else fits.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from engine.contract.config import Dial, LoraSettings, TrainingSettings
from engine.contract.estimates import (
    CUDA_CONTEXT_GIB,
    ENGINE_LOSS,
    GpuClass,
    LossMode,
    ModelShape,
    TrainPlan,
    estimate_run_seconds,
    gpu_class_for_name,
    least_recompute,
    peak_memory_gib,
    tokens_per_second,
)

MEMORY_MARGIN = 0.85
STEP_TOKENS = 16384
MIN_STEPS = 40
MAX_MICRO_BATCH = 16
PACKING_OVERHEAD = 1.05
# Held-out checks in a run. Each reads the held-out tenth of the data forward-only; on a
# processor ten of them cost a third of the demo's training time, so it checks four times.
GPU_CHECKS = 10
CPU_CHECKS = 4
# The dial's learning rates are LoRA's usual ones, for models about 4,096 wide (7-8B).
# Narrower models take larger steps: the rate grows with 4,096 / width, at most 5x. Measured
# on the demo (576 wide, quick dial, one epoch of the samples, 2 cores): held-out loss
# 5.08 -> 4.36 at 2e-4, 3.67 at 6e-4, 3.42 at 1e-3 (the rate this gives it).
REFERENCE_WIDTH = 4096
MAX_RATE_SCALE = 5.0


@dataclass(frozen=True)
class DialProfile:
    epochs: float
    rank: int
    learning_rate: float
    patience: int


DIAL: dict[str, DialProfile] = {
    "quick": DialProfile(epochs=1.0, rank=8, learning_rate=2e-4, patience=2),
    "balanced": DialProfile(epochs=2.0, rank=16, learning_rate=2e-4, patience=3),
    "thorough": DialProfile(epochs=3.0, rank=32, learning_rate=1e-4, patience=4),
}


@dataclass(frozen=True)
class Derived:
    """Everything the dial decided, with the predictions the GUI shows before Start."""

    training: TrainingSettings
    lora: LoraSettings
    peak_memory_gib: float
    fits: bool
    tokens_per_second: float
    estimated_seconds: float
    total_steps: int
    checkpointed_layers: int = 0  # decoder layers to recompute (selective checkpointing)


def derive(
    dial: Dial,
    example_count: int,
    total_tokens: int,
    gpu_total_gib: float | None,
    model_shape: ModelShape,
    gpu_name: str | None = None,
    loss: LossMode = ENGINE_LOSS,
) -> Derived:
    """Derive the run's settings; `gpu_total_gib` None means training on the CPU.

    `loss` says how the training loop computes its loss ("full" logits or "chunked"), which
    decides how large a micro-batch fits.
    """
    if dial not in DIAL:
        raise ValueError(f"Unknown dial position {dial!r}; choose quick, balanced or thorough.")
    profile = DIAL[dial]
    examples = max(1, example_count)
    tokens = max(1, total_tokens)
    epochs = _epochs(profile.epochs, examples, tokens)
    on_gpu = bool(gpu_total_gib and gpu_total_gib > 0)
    sequence = _row_length(tokens / examples, on_gpu)
    plan, fits = _memory_plan(model_shape, profile.rank, sequence, gpu_total_gib, loss)
    rows = math.ceil(tokens * PACKING_OVERHEAD / plan.sequence_length)
    wanted = max(1, STEP_TOKENS // plan.sequence_length)
    rows_per_step = max(1, min(wanted, math.floor(rows * epochs / MIN_STEPS)))
    micro = min(plan.micro_batch, rows_per_step)
    accumulation = max(1, math.ceil(rows_per_step / micro))
    total_steps = max(1, math.ceil(rows * epochs / (micro * accumulation)))
    checks = GPU_CHECKS if on_gpu else CPU_CHECKS
    eval_every = max(1, total_steps // checks)
    plan = dataclasses.replace(plan, micro_batch=micro)
    if fits and on_gpu and gpu_total_gib:
        fewer = least_recompute(model_shape, plan, _budget(gpu_total_gib))
        if fewer is not None:
            plan = dataclasses.replace(
                plan, gradient_checkpointing=fewer > 0, checkpointed_layers=fewer
            )

    training = TrainingSettings(
        dial=dial,
        epochs=epochs,
        learning_rate=learning_rate(dial, model_shape),
        sequence_length=plan.sequence_length,
        micro_batch_size=micro,
        gradient_accumulation=accumulation,
        gradient_checkpointing=plan.gradient_checkpointing,
        checkpointed_layers=plan.recomputed(model_shape) if plan.gradient_checkpointing else 0,
        eval_every=eval_every,
        # Fewer checks on the CPU: save at each, so a crash there loses as little.
        checkpoint_every=eval_every * 2 if on_gpu else eval_every,
        early_stopping_patience=profile.patience,
    )
    lora = LoraSettings(rank=profile.rank, alpha=2 * profile.rank, dropout=0.0)
    gpu: GpuClass = gpu_class_for_name(gpu_name if on_gpu else None)
    if on_gpu and gpu_name is None:
        gpu = gpu_class_for_name("unknown")
    heldout = max(1, tokens // 10)
    return Derived(
        training=training,
        lora=lora,
        peak_memory_gib=round(peak_memory_gib(model_shape, plan), 2),
        fits=fits,
        tokens_per_second=round(tokens_per_second(model_shape, plan, gpu), 1),
        estimated_seconds=round(
            estimate_run_seconds(tokens, epochs, gpu, model_shape, plan, heldout, checks), 1
        ),
        total_steps=total_steps,
        checkpointed_layers=plan.recomputed(model_shape),
    )


def derive_training(
    dial: Dial,
    example_count: int,
    total_tokens: int,
    gpu_total_gib: float | None,
    model_shape: ModelShape,
) -> TrainingSettings:
    """The training settings alone (see `derive`)."""
    return derive(dial, example_count, total_tokens, gpu_total_gib, model_shape).training


def limit_steps(derived: Derived, max_steps: int) -> TrainingSettings:
    """The derived settings for a run cut at `max_steps` (0: no limit).

    A run stopped early still checks itself and saves as often, in proportion: its checks
    and checkpoints are spread over the steps it will really take.
    """
    training = dataclasses.replace(derived.training, max_steps=max_steps)
    if not max_steps or max_steps >= derived.total_steps:
        return training
    share = max_steps / derived.total_steps
    return dataclasses.replace(
        training,
        eval_every=max(1, round(training.eval_every * share)),
        checkpoint_every=max(1, round(training.checkpoint_every * share)),
    )


def learning_rate(dial: Dial, model_shape: ModelShape) -> float:
    """The dial's learning rate, scaled up for models narrower than 4,096."""
    scale = min(MAX_RATE_SCALE, max(1.0, REFERENCE_WIDTH / model_shape.hidden))
    return float(f"{DIAL[dial].learning_rate * scale:.3g}")


def derive_lora(dial: Dial) -> LoraSettings:
    """The adapter settings: only the dial decides them."""
    rank = DIAL[dial].rank
    return LoraSettings(rank=rank, alpha=2 * rank, dropout=0.0)


def _epochs(base: float, examples: int, tokens: int) -> float:
    """More passes over small data, fewer over large data, within 1..6."""
    if examples < 100:
        base *= 1.5
    if tokens > 2_000_000:
        base *= 0.5
    return float(min(6.0, max(1.0, base)))


def _row_length(mean_example_tokens: float, on_gpu: bool) -> int:
    """Packed rows hold about four average examples; the CPU gets short rows to stay quick."""
    if on_gpu:
        return 2048 if mean_example_tokens > 256 else 1024
    return 512 if mean_example_tokens > 64 else 256


def _budget(gpu_total_gib: float) -> float:
    return gpu_total_gib * MEMORY_MARGIN - CUDA_CONTEXT_GIB


def _memory_plan(
    model: ModelShape, rank: int, sequence: int, gpu_total_gib: float | None, loss: LossMode
) -> tuple[TrainPlan, bool]:
    """The fastest plan that fits: the fewest checkpointed layers (selective recomputation),
    then the largest micro-batch; shorter rows only when even full checkpointing of one row
    does not fit. On the CPU, memory is not the limit: small micro-batch, no checkpointing."""
    if not gpu_total_gib or gpu_total_gib <= 0:
        return TrainPlan(sequence, 4, rank, gradient_checkpointing=False, loss=loss), True
    budget = _budget(gpu_total_gib)
    while True:
        best: tuple[int, TrainPlan] | None = None
        micro = max(1, min(MAX_MICRO_BATCH, STEP_TOKENS // sequence))
        while micro >= 1:
            plan = TrainPlan(sequence, micro, rank, loss=loss)
            count = least_recompute(model, plan, budget)
            if count is not None and (best is None or count < best[0]):
                chosen = dataclasses.replace(
                    plan, gradient_checkpointing=count > 0, checkpointed_layers=count
                )
                best = (count, chosen)
            if count == 0:
                break
            micro //= 2
        if best is not None:
            return best[1], True
        if sequence <= 256:
            return TrainPlan(256, 1, rank, gradient_checkpointing=True, loss=loss), False
        sequence //= 2
