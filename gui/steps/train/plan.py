"""From the dial, the model, the data and this computer to a run configuration and estimates.

The Train page shows what this derives before Start: the settings (Advanced) and the expected
time and memory. It uses the contract's presets and catalog (engine.contract.presets,
engine.contract.catalog); when those cannot answer (a model outside the catalog without a
config.json, data not counted yet) it falls back to the configuration's defaults and says so.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.contract.config import Dial, ModelSettings, RunConfig, TrainingSettings
from engine.contract.paths import demo_model_dir
from gui.core.selection import DataSelection


@dataclass(frozen=True)
class ParentRun:
    """Train more: the finished run a new run continues from, and its saved settings."""

    path: Path
    config: RunConfig

    @classmethod
    def read(cls, path: Path) -> ParentRun:
        """The run at `path`; ConfigError (a plain sentence) when its run.json is unusable."""
        return cls(Path(path), RunConfig.load(Path(path) / "run.json"))


@dataclass(frozen=True)
class Plan:
    config: RunConfig
    estimated_seconds: float | None = None
    peak_memory_gib: float | None = None
    fits: bool | None = None
    total_steps: int | None = None
    on_gpu: bool = False
    note: str = ""  # why an estimate is missing, in plain words


def gpu_of(report: dict[str, Any] | None) -> tuple[float | None, str | None]:
    """(total GiB, name) of the first GPU in a doctor report; (None, None) for CPU only."""
    gpus = (report or {}).get("gpus") or []
    if not gpus or not isinstance(gpus[0], dict):
        return None, None
    total = gpus[0].get("total_gib")
    return (float(total) if isinstance(total, int | float) else None), gpus[0].get("name")


def model_shape(name: str) -> Any:
    """The model's architecture numbers (estimates.ModelShape), or None if unknown."""
    try:
        from engine.contract.catalog import find, shape_from_config
    except ImportError:
        return None
    try:
        entry = find(name)
    except Exception:  # a damaged catalog must not break the Train page
        entry = None
    if entry is not None:
        return entry.shape
    folder = demo_model_dir() if name == "demo" else Path(name).expanduser()
    try:
        return shape_from_config(json.loads((folder / "config.json").read_text("utf-8")))
    except Exception:
        return None


def make_plan(
    model: str,
    selection: DataSelection | None,
    dial: Dial,
    doctor: dict[str, Any] | None = None,
    max_steps: int = 0,
    parent: ParentRun | None = None,
) -> Plan:
    """Everything Start will send to the engine, and what to expect.

    With a `parent` (Train more) the base model, the LoRA shape and the training settings
    are the parent's (the adapter only fits its own model and shape); the data is the new
    selection, and the estimate is for the parent's dial on that data.
    """
    if parent is not None:
        model, dial = parent.config.model.name, parent.config.training.dial
    data = selection.to_data_settings() if selection else RunConfig().data
    base = RunConfig(model=ModelSettings(name=model or "demo"), data=data)
    gpu_gib, gpu_name = gpu_of(doctor)
    note = ""
    derived = None
    shape = model_shape(model) if model else None
    if selection is None or not selection.examples or not selection.total_tokens:
        note = "The estimate appears once the Data step has counted your examples."
    elif shape is None:
        note = "Quillora does not know this model's size, so it cannot estimate time and memory."
    else:
        try:
            from engine.contract.presets import derive

            derived = derive(
                dial,
                example_count=selection.examples,
                total_tokens=selection.total_tokens,
                gpu_total_gib=gpu_gib,
                model_shape=shape,
                gpu_name=gpu_name,
            )
        except Exception:  # presets missing or unable: defaults, said plainly
            note = "Using standard settings; the estimate is not available."
    if derived is not None:
        training = derived.training
        lora = derived.lora
    else:
        training = TrainingSettings(dial=dial)
        lora = base.lora
    if parent is not None:
        training, lora = parent.config.training, parent.config.lora
    if max_steps:
        training = dataclasses.replace(training, max_steps=max_steps)
    config = base.replace(training=training, lora=lora)
    if parent is not None:
        config = config.replace(model=parent.config.model, parent_run=str(parent.path))
    if derived is None:
        return Plan(config=config, on_gpu=gpu_gib is not None, note=note)
    steps = derived.total_steps if not max_steps else min(max_steps, derived.total_steps)
    seconds = derived.estimated_seconds * (steps / max(1, derived.total_steps))
    return Plan(
        config=config,
        estimated_seconds=seconds,
        peak_memory_gib=derived.peak_memory_gib,
        fits=derived.fits,
        total_steps=steps,
        on_gpu=gpu_gib is not None,
    )


def plain_duration(seconds: float) -> str:
    """'about 40 seconds', 'about 12 minutes', 'about 2 hours 10 minutes'."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} seconds"
    minutes = seconds / 60
    if minutes < 90:
        return f"about {round(minutes):.0f} minutes"
    hours, rest = divmod(round(minutes), 60)
    return f"about {hours} hours {rest} minutes" if rest else f"about {hours} hours"


def clock(seconds: float) -> str:
    """'4:05' or '1:02:03' for ETA displays."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def estimate_text(plan: Plan) -> str:
    """The line shown above Start: expected time and peak memory, or why they are missing."""
    if plan.estimated_seconds is None:
        return plan.note
    where = "graphics memory" if plan.on_gpu else "memory"
    fits = "" if plan.fits in (None, True) else " — more than this computer has"
    # On the CPU the Memory tile shows the whole engine process (about 1 GiB of runtime
    # before the model), so an estimate for the model alone read as a broken promise.
    engine = "" if plan.on_gpu else " for the model, plus about 1 GiB for the engine itself"
    return (
        f"<b>Expected time:</b> {plain_duration(plan.estimated_seconds)} "
        f"({plan.total_steps:,} steps) &nbsp;·&nbsp; <b>Peak {where}:</b> "
        f"{_gib(plan.peak_memory_gib)}{engine}{fits}"
    )


def _gib(value: float | None) -> str:
    if value is None:
        return "unknown"
    return "under 0.1 GiB" if value < 0.1 else f"{value:.1f} GiB"
