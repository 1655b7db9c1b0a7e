"""Shared pieces of the fault-injection suite: training data with a sentinel phrase and a
small, exact run configuration (no dial) for the demo model."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.engine.train_helpers import config as training_config
from tests.engine.train_helpers import examples

# Appears in every training row; no log, event or run-folder file other than the data
# itself and the adapter's weights may ever contain it.
SENTINEL = "Quokkamarmalade Zanzibarista"


@pytest.fixture(scope="session")
def sentinel_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reliability-data") / "brand voice.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(40):
            writer.writerow([f"{example.source}: write a post.", f"{example.response} {SENTINEL}."])
    return path


@pytest.fixture(scope="session")
def run_config(
    sentinel_csv: Path, tmp_path_factory: pytest.TempPathFactory, tiny_model: Path
) -> Callable[..., Path]:
    """Write a run.json for `engine train --config` (demo model, the sentinel CSV)."""
    folder = tmp_path_factory.mktemp("reliability-configs")
    made = [0]

    def make(**training: object) -> Path:
        settings: dict[str, object] = {"max_steps": 12, "checkpoint_every": 2, "eval_every": 4}
        settings.update(training)
        config = training_config(**settings)
        config = config.replace(data=dataclasses.replace(config.data, sources=(str(sentinel_csv),)))
        made[0] += 1
        path = folder / f"run-{made[0]}.json"
        path.write_text(config.to_json(), encoding="utf-8")
        return path

    return make
