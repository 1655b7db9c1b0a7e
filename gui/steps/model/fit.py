"""Fit badges and memory estimates for the Model step, from the engine's doctor report.

The doctor report (`python -m engine doctor`) says whether CUDA is available, how much
memory each GPU has and how much memory the computer has; `engine.contract.estimates` turns a
model's shape into the peak memory of the smallest sensible training plan, and
`engine.contract.cpu_fit` says, without a GPU, whether the processor trains it in reasonable
time and memory. This module only picks the device and words the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract.catalog import CatalogEntry
from engine.contract.cpu_fit import cpu_fit
from engine.contract.estimates import (
    CUDA_CONTEXT_GIB,
    Badge,
    ModelShape,
    TrainPlan,
    fit_badge,
    peak_memory_gib,
)
from gui.widgets.page import Tone

BADGE_TONES: dict[str, Tone] = {
    "fits": "good",
    "tight": "warn",
    "too big": "bad",
    "needs an NVIDIA GPU": "neutral",
}
BADGE_TEXT: dict[str, str] = {
    "fits": "Fits this computer",
    "tight": "Tight fit",
    "too big": "Too big for this GPU",
    "needs an NVIDIA GPU": "Needs an NVIDIA GPU",
}
# Without an NVIDIA GPU the badge speaks of the processor (engine.contract.cpu_fit).
CPU_BADGE_TEXT: dict[str, str] = {
    "fits": "Trains on this processor",
    "tight": "Slow on this processor",
    "too big": "Too big without a GPU",
}
SEQUENCE_LENGTH = 1024


@dataclass(frozen=True)
class Fit:
    """A badge, its colour, and the memory it needs in words."""

    badge: Badge | None  # None while the doctor report is still coming
    tone: Tone
    label: str
    memory: str


def gpu_memory_gib(doctor: dict[str, Any] | None) -> float | None:
    """The largest GPU's memory in GiB, or None when there is no usable NVIDIA GPU."""
    if not doctor or not doctor.get("cuda_available"):
        return None
    sizes = [float(gpu.get("total_gib") or 0) for gpu in doctor.get("gpus") or []]
    return max(sizes, default=0.0) or None


def hardware_summary(doctor: dict[str, Any] | None) -> str:
    """One sentence about this computer for the top of the page."""
    if doctor is None:
        return "Checking what this computer can do…"
    gpus = doctor.get("gpus") or []
    if doctor.get("cuda_available") and gpus:
        best = max(gpus, key=lambda gpu: float(gpu.get("total_gib") or 0))
        return (
            f"This computer has an {best.get('name', 'NVIDIA GPU')} with "
            f"{float(best.get('total_gib') or 0):.0f} GB of memory."
        )
    memory = doctor.get("memory_gib")
    has = f" It has {float(memory):.0f} GB of memory." if memory else ""
    return (
        f"No NVIDIA GPU was found on this computer, so models train on its processor.{has} "
        "Models up to about 0.5B parameters (the demo included) learn in minutes; "
        "larger ones take hours or do not fit."
    )


def training_memory_gib(shape: ModelShape) -> float:
    """Peak GPU memory of the smallest sensible plan, CUDA context included."""
    plan = TrainPlan(sequence_length=SEQUENCE_LENGTH, micro_batch=1, lora_rank=16)
    return peak_memory_gib(shape, plan) + CUDA_CONTEXT_GIB


def fit_for_shape(shape: ModelShape, doctor: dict[str, Any] | None, runs_on_cpu: bool) -> Fit:
    """The badge for a model of this shape on the computer the doctor report describes."""
    need = training_memory_gib(shape)
    memory = f"Needs about {need:.1f} GB of GPU memory to train"
    if runs_on_cpu:
        on_cpu = cpu_fit(shape, None)
        return Fit("fits", "good", "Runs on any computer", on_cpu.reason)
    if doctor is None:
        return Fit(None, "neutral", "Checking…", memory)
    gpu_gib = gpu_memory_gib(doctor)
    if gpu_gib is None:
        memory_gib = doctor.get("memory_gib")
        on_cpu = cpu_fit(shape, float(memory_gib) if memory_gib else None)
        badge = on_cpu.badge
        return Fit(badge, BADGE_TONES[badge], CPU_BADGE_TEXT[badge], on_cpu.reason)
    badge = fit_badge(shape, gpu_gib, SEQUENCE_LENGTH)
    return Fit(badge, BADGE_TONES[badge], BADGE_TEXT[badge], memory)


def fit_for_entry(entry: CatalogEntry, doctor: dict[str, Any] | None) -> Fit:
    return fit_for_shape(entry.shape, doctor, entry.runs_on_cpu)
