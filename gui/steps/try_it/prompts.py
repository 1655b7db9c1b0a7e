"""What the Try it step offers to write about: starter prompts and the run's held-out ones.

Starter prompts follow the user's kind of writing; held-out prompts come from the run's
evaluation.json ("samples": the prompts of writing kept aside during training, with the base
and the tuned model's answers), so the user can test the model on their own material.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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
