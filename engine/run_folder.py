"""A run on disk (docs/architecture.md, "A run on disk"); nothing a run writes goes outside this folder.

run.json            configuration, software versions, hardware, base model path, state,
                    and the parent run it continued (Train more: engine.train.lineage)
events.jsonl        every event the run emitted
data-manifest.json  the data helper's manifest of sources and what was dropped
checkpoints/        resumable checkpoints (engine.train.checkpoint)
adapter/            the final PEFT adapter and the tokenizer
model-card.md       what was trained on what, how, and its limits
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

from engine.contract.config import RunConfig
from engine.contract.json_file import write_json_atomic
from engine.contract.paths import runs_dir

VERSIONED_PACKAGES = ("torch", "transformers", "peft", "bitsandbytes", "tokenizers", "quillora")


def default_run_dir(config: RunConfig, root: Path | None = None) -> Path:
    """<data dir>/runs/<YYYYmmdd-HHMMSS>-<slug of the run or model name>."""
    label = config.name or Path(config.model.name).name or "run"
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "run"
    return runs_dir(root) / f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}"


def software_versions() -> dict[str, str | None]:
    from engine.hardware import package_version

    versions: dict[str, str | None] = {"python": sys.version.split()[0]}
    versions.update({name: package_version(name) for name in VERSIONED_PACKAGES})
    return versions


def hardware_summary() -> dict[str, Any]:
    from engine.hardware import gpu_report

    return {
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": gpu_report(),
    }


class RunFolder:
    """Paths and writers for one run folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run_json = path / "run.json"
        self.events = path / "events.jsonl"
        self.manifest = path / "data-manifest.json"
        self.checkpoints = path / "checkpoints"
        self.adapter = path / "adapter"
        self.model_card = path / "model-card.md"

    def create(self) -> RunFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def read_run(self) -> dict[str, Any]:
        return json.loads(self.run_json.read_text(encoding="utf-8"))

    def read_config(self) -> RunConfig:
        return RunConfig.from_dict(self.read_run()["config"])

    def write_run(
        self, config: RunConfig, base_model_path: Path, state: str, processes: int = 1
    ) -> None:
        write_json_atomic(
            self.run_json,
            {
                "config": config.to_dict(),
                "base_model_path": str(base_model_path),
                "software": software_versions(),
                "hardware": hardware_summary(),
                "processes": processes,  # more than one under accelerate launch
                "state": state,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        )

    def update_run(self, **fields: Any) -> None:
        """Merge `fields` (state, result, ...) into run.json."""
        data = self.read_run()
        data.update(fields)
        write_json_atomic(self.run_json, data)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json_atomic(self.manifest, manifest)
