"""Which models train in reasonable time on this computer's processor and memory.

Most laptops and every Mac have no NVIDIA GPU; there Quillora trains on the processor. Small
models (135M to about 0.5B parameters) learn a voice in minutes to a quarter of an hour;
billions of parameters take many hours and more memory than most laptops have. The time
comes from the same estimator as the GPU's (`estimates.estimate_run_seconds`, calibrated on
the demo model on 2 cores), for a reference amount of writing; the memory from the 4-bit
training plan plus loading (the bf16 weights pass through memory once) and the runtime.
Standard library only: the Model step shows it, the engine refuses with the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.contract.estimates import (
    CPU_REFERENCE_PLAN,
    Badge,
    ModelShape,
    estimate_run_seconds,
    peak_memory_gib,
)

GIB = 1024**3
# About 150 short pieces of writing (the bundled brand CSV holds 16k tokens), read twice.
REFERENCE_TOKENS = 20_000
REFERENCE_EPOCHS = 2.0
# Python, torch, the tokenizer and the engine around the model.
RUNTIME_GIB = 1.5
# Beyond these many minutes for the reference writing a model is "slow" on this processor,
# and beyond the second it is refused: a laptop would be busy for most of a day.
FITS_MINUTES = 20.0
SLOW_MINUTES = 120.0
# Share of this computer's memory a run may take; the rest is for the system and the app.
MEMORY_SHARE = 0.8

PICK_INSTEAD = (
    "Pick the demo model or a model up to about 0.5B parameters (marked as training on this "
    "processor), or use a computer with an NVIDIA graphics card."
)


@dataclass(frozen=True)
class CpuFit:
    """A badge for training on the processor, its time and memory, and why in words."""

    badge: Badge
    minutes: float
    memory_gib: float
    reason: str


def cpu_memory_gib(model: ModelShape) -> float:
    """Peak system memory: loading (bf16 weights once) or training, plus the runtime."""
    loading = model.total_parameters * 2 / GIB
    training = peak_memory_gib(model, CPU_REFERENCE_PLAN)
    return max(loading, training) + RUNTIME_GIB


def cpu_minutes(model: ModelShape) -> float:
    """Estimated minutes to train on the reference writing on a 2-core processor."""
    seconds = estimate_run_seconds(
        REFERENCE_TOKENS, REFERENCE_EPOCHS, "CPU", model, CPU_REFERENCE_PLAN
    )
    return seconds / 60


def cpu_fit(model: ModelShape, memory_gib: float | None) -> CpuFit:
    """Can this computer's processor train `model`? `memory_gib`: its memory (None: unknown)."""
    minutes = cpu_minutes(model)
    need = cpu_memory_gib(model)
    size = (
        f"{model.total_parameters / 1e9:.1f}B"
        if model.total_parameters >= 1e9
        else (f"{model.total_parameters / 1e6:.0f}M")
    )
    if memory_gib is not None and need > MEMORY_SHARE * memory_gib:
        return CpuFit(
            "too big",
            minutes,
            need,
            f"This {size}-parameter model needs about {need:.0f} GB of memory to train on the "
            f"processor, and this computer has {memory_gib:.0f} GB. {PICK_INSTEAD}",
        )
    if minutes > SLOW_MINUTES:
        return CpuFit(
            "too big",
            minutes,
            need,
            f"This {size}-parameter model would take about {minutes / 60:.0f} hours to learn from "
            f"150 short pieces of writing on this computer's processor. {PICK_INSTEAD}",
        )
    if minutes > FITS_MINUTES:
        return CpuFit(
            "tight",
            minutes,
            need,
            f"Trains on the processor, slowly: about {minutes:.0f} minutes for 150 short "
            "pieces of writing.",
        )
    return CpuFit(
        "fits",
        minutes,
        need,
        f"Trains on the processor in about {max(1.0, minutes):.0f} minutes for 150 short "
        "pieces of writing.",
    )
