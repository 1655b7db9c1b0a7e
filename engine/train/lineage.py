"""Train more: a run that starts from a finished run's adapter (its parent) instead of a
fresh LoRA.

The parent must have a saved adapter, the same base model and the same LoRA shape (rank and
alpha): the adapter's weights only fit the model and the shape they were trained with. The
child's run.json keeps a `parent` record (its folder, name, dates and a summary of its data,
with the parent's own parent inside), so the run page can show the lineage and the model
card can name both data sets without the parent folder having to stay on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.contract.config import ConfigError, LoraSettings, RunConfig
from engine.contract.errors import EngineError, ErrorKind


@dataclass(frozen=True)
class Parent:
    """A finished run read back to continue from."""

    path: Path
    record: dict[str, Any]  # its run.json
    config: RunConfig

    @property
    def adapter(self) -> Path:
        return self.path / "adapter"


def read_parent(folder: str | Path) -> Parent:
    """The run at `folder`, refused in a plain sentence unless it holds a finished adapter."""
    path = Path(folder).expanduser()
    try:
        record = json.loads((path / "run.json").read_text(encoding="utf-8"))
        config = RunConfig.from_dict(record["config"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"The run to train more from cannot be read at {path}. Choose a finished run on "
            "the Runs page.",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    if not (path / "adapter" / "adapter_model.safetensors").is_file():
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            "The run to train more from has no saved model yet. Let it finish (or resume it) "
            "first, then choose Train more.",
            f"no adapter/adapter_model.safetensors in {path}",
        )
    return Parent(path, record, config)


def check_fits(parent: Parent, config: RunConfig) -> None:
    """Refuse a child whose base model or LoRA shape differs from its parent's."""
    mine, theirs = config.model, parent.config.model
    if (mine.name, mine.revision) != (theirs.name, theirs.revision):
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"Train more must use the same base model as the earlier run ({theirs.name}); "
            f"this run chose {mine.name}. Choose {theirs.name}, or start a new run instead.",
        )
    if not same_shape(config.lora, parent.config.lora):
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            "Train more must keep the earlier run's LoRA settings (rank "
            f"{parent.config.lora.rank}, alpha {parent.config.lora.alpha}); this run chose "
            f"rank {config.lora.rank}, alpha {config.lora.alpha}. Use the earlier run's "
            "settings, or start a new run instead.",
        )


def same_shape(a: LoraSettings, b: LoraSettings) -> bool:
    return (a.rank, a.alpha) == (b.rank, b.alpha)


def inherit(config: RunConfig, parent: Parent) -> RunConfig:
    """The child's settings with the parent's base model and LoRA shape (the adapter's)."""
    try:
        return config.replace(model=parent.config.model, lora=parent.config.lora)
    except ConfigError as exc:  # pragma: no cover - the parent's settings were valid
        raise EngineError(ErrorKind.BAD_CONFIG, str(exc)) from exc


def lineage_record(parent: Parent) -> dict[str, Any]:
    """What the child's run.json keeps of its parent (and, nested, of the parent's parent)."""
    record = parent.record
    manifest = _read_manifest(parent.path)
    result = record.get("result") if isinstance(record.get("result"), dict) else {}
    entry: dict[str, Any] = {
        "run_dir": str(parent.path),
        "name": parent.config.name,
        "created": record.get("created"),
        "state": record.get("state"),
        "steps": (result or {}).get("steps"),
        "data": data_summary(manifest),
    }
    grand = record.get("parent")
    if isinstance(grand, dict):
        entry["parent"] = grand
    return entry


def data_summary(manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    """Counts and file fingerprints of a data manifest (never file names: they can name people)."""
    if manifest is None:
        return None
    files = [f for f in manifest.get("files", []) if isinstance(f, dict) and not f.get("skipped")]
    return {
        "train_examples": manifest.get("train_examples"),
        "heldout_examples": manifest.get("heldout_examples"),
        "files": [
            {"kind": f.get("kind"), "sha256": f.get("sha256"), "rows_kept": f.get("rows_kept")}
            for f in files
        ],
        "rights": manifest.get("rights") or "",
    }


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads((path / "data-manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return found if isinstance(found, dict) else None
