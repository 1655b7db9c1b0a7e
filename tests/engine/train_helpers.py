"""Small builders shared by the training tests: examples, settings and an event recorder."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from engine.contract.config import LoraSettings, ModelSettings, RunConfig, TrainingSettings
from engine.contract.events import Event, StepProgress
from engine.data.examples import Example
from engine.emit import Emitter

PRODUCTS = ["trail shoes", "rain jacket", "coffee grinder", "desk lamp", "travel mug", "yoga mat"]
QUALITIES = ["lighter", "brighter", "quieter", "warmer", "tougher", "simpler"]


def examples(count: int = 24) -> list[Example]:
    """Short brand-voice answers (half prompt/response, half prose), all different."""
    found = []
    for i in range(count):
        product, quality = PRODUCTS[i % 6], QUALITIES[(i // 6) % 6]
        text = (
            f"Meet the new {product}: {quality} than ever, and made to last. "
            f"Order today and it arrives by Monday."
        )
        prompt = f"Announce our {product}." if i % 2 == 0 else None
        found.append(Example(response=text, prompt=prompt, source=f"test#{i}"))
    return found


def config(**training: object) -> RunConfig:
    settings = {
        "max_steps": 12,
        "learning_rate": 2e-3,
        "warmup_fraction": 0.1,
        "sequence_length": 128,
        "micro_batch_size": 2,
        "gradient_accumulation": 2,
        "gradient_checkpointing": False,
        "eval_every": 4,
        "checkpoint_every": 4,
        "early_stopping_patience": 0,
        "seed": 5,
    }
    settings.update(training)
    return RunConfig(
        model=ModelSettings(name="tiny-test"),
        lora=LoraSettings(rank=8, alpha=16),
        training=TrainingSettings(**settings),  # type: ignore[arg-type]
    )


class Recorder(Emitter):
    """A real Emitter (events kept in `history`) that can act when a step finishes."""

    def __init__(self, on_step: Callable[[int], None] | None = None) -> None:
        super().__init__(stream=io.StringIO(), pretty=False)
        self._on_step = on_step

    def emit(self, event: Event) -> None:
        super().emit(event)
        if self._on_step is not None and isinstance(event, StepProgress):
            self._on_step(event.step)

    def of(self, kind: type) -> list:
        return [e for e in self.history if isinstance(e, kind)]


def adapter_tensors(adapter_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(adapter_dir / "adapter_model.safetensors"))


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def launch_settings(folder: Path, max_steps: int, every: int) -> Path:
    """A settings file for the multi-process launch tests: the tiny test model, fixed
    steps and seed, a held-out check and a checkpoint every `every` steps."""
    from engine.contract.json_file import write_json_atomic

    training = TrainingSettings(
        max_steps=max_steps,
        learning_rate=5e-3,
        warmup_fraction=0.1,
        sequence_length=128,
        micro_batch_size=2,
        gradient_accumulation=2,
        gradient_checkpointing=False,
        eval_every=every,
        checkpoint_every=every,
        early_stopping_patience=0,
        seed=3,
    )
    config = RunConfig(
        model=ModelSettings(name="tiny-test"),
        lora=LoraSettings(rank=8, alpha=16),
        training=training,
    )
    path = folder / "settings.json"
    write_json_atomic(path, config.to_dict())
    return path
