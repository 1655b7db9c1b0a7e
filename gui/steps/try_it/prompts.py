"""What the Try it step offers to write about, and which runs it can chat with.

Starter prompts follow the user's kind of writing; held-out prompts come from the run's
evaluation.json ("samples": the prompts of writing kept aside during training, with the base
and the tuned model's answers), so the user can test the model on their own material.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.contract.paths import runs_dir
from gui.core import run_files

EVALUATION_FILE = "evaluation.json"

STARTERS: dict[str, tuple[str, ...]] = {
    "Product description": (
        "Write a product description for a reusable water bottle that keeps drinks cold.",
        "Describe our new autumn tea blend in three short sentences.",
    ),
    "Social post": (
        "Write a social post announcing our weekend sale.",
        "Write a short, friendly post thanking our customers for 1,000 followers.",
    ),
    "Newsletter intro": (
        "Write the opening paragraph of this month's newsletter.",
        "Introduce a newsletter about what we learned this quarter.",
    ),
    "Email reply": (
        "Reply to a customer whose order arrived late, and offer free shipping next time.",
        "Reply politely to a partner asking to move our meeting to next week.",
    ),
}


@dataclass(frozen=True)
class HeldoutSample:
    """A held-out prompt and, when the evaluation generated them, both models' answers."""

    prompt: str
    base: str = ""
    tuned: str = ""


def heldout_samples(run_dir: Path | None) -> list[HeldoutSample]:
    """Prompts from the run's own held-out writing (evaluation.json), empty when absent."""
    if run_dir is None:
        return []
    try:
        data = json.loads((Path(run_dir) / EVALUATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    samples: list[HeldoutSample] = []
    for item in data.get("samples", []) if isinstance(data, dict) else []:
        if isinstance(item, dict) and str(item.get("prompt", "")).strip():
            samples.append(
                HeldoutSample(
                    prompt=str(item["prompt"]).strip(),
                    base=str(item.get("base", "")),
                    tuned=str(item.get("tuned", "")),
                )
            )
    return samples


def run_config(run_dir: Path | None) -> dict[str, Any]:
    if run_dir is None:
        return {}
    try:
        data = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("config", data) if isinstance(data, dict) else {}


def base_model_name(run_dir: Path | None) -> str:
    model = run_config(run_dir).get("model", {})
    return str(model.get("name", "")) if isinstance(model, dict) else ""


def is_demo_run(run_dir: Path | None) -> bool:
    return base_model_name(run_dir) == "demo"


def has_adapter(run_dir: Path) -> bool:
    return (Path(run_dir) / "adapter" / "adapter_config.json").is_file()


def finished_runs(root: Path | None = None) -> list[Path]:
    """Runs with a trained adapter, newest first: the ones Try it and Share can use."""
    runs = run_files.list_runs(root or runs_dir())
    return [r.path for r in runs if r.state in ("finished", "stopped") and has_adapter(r.path)]
