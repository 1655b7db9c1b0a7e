"""What a run folder says about its model: the base model's folder, the adapter, the config.

The run folder is written by the trainer (engine/run_folder.py): run.json holds the
configuration and the resolved base model folder, adapter/ holds the PEFT adapter and the
tokenizer. When engine.run_folder is importable its reader is used; otherwise this module
reads the same files itself, falling back to the adapter's own `base_model_name_or_path`
(PEFT writes it), so chat and export work on any PEFT adapter folder too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.demo import DEMO_MODEL
from engine.tiny_test_model import TINY_TEST_MODEL

# Keys under which run.json may carry the resolved base model folder, most specific first.
_BASE_PATH_KEYS = ("base_model_path", "resolved_model_path", "base_model_dir", "model_path")


@dataclass(frozen=True)
class RunInfo:
    run_dir: Path
    adapter_dir: Path
    base_model_dir: Path
    base_model_name: str  # as the user chose it: a Hub id, a folder, or "demo"
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def tokenizer_dir(self) -> Path:
        """The tokenizer saved with the adapter (what training used), else the base model's."""
        if (self.adapter_dir / "tokenizer_config.json").exists():
            return self.adapter_dir
        return self.base_model_dir


def _find_base_path(data: dict[str, Any]) -> str | None:
    for key in _BASE_PATH_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    for nested in ("model", "resolved", "environment"):
        inner = data.get(nested)
        if isinstance(inner, dict):
            found = _find_base_path(inner)
            if found:
                return found
    return None


def read_run(run_dir: Path) -> RunInfo:
    """Read `run_dir` (a run folder, or an adapter folder) or raise MODEL_NOT_FOUND."""
    run_dir = Path(run_dir).expanduser().resolve()
    if (run_dir / "adapter_config.json").exists() and not (run_dir / "adapter").is_dir():
        adapter_dir = run_dir
    else:
        adapter_dir = run_dir / "adapter"
    adapter_config = adapter_dir / "adapter_config.json"
    if not adapter_config.exists():
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            "This run has no trained adapter yet. Train it (or let it finish) first.",
            detail=f"missing {adapter_config}",
        )
    config: dict[str, Any] = {}
    run_json = run_dir / "run.json"
    if run_json.exists():
        try:
            config = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EngineError(
                ErrorKind.BAD_CONFIG, "This run's settings file cannot be read.", detail=str(exc)
            ) from exc
    peft_config = json.loads(adapter_config.read_text(encoding="utf-8"))
    model_section = config.get("config", config).get("model", {})
    name = model_section.get("name", "") if isinstance(model_section, dict) else ""
    base = _find_base_path(config) or peft_config.get("base_model_name_or_path") or ""
    base_dir = Path(base).expanduser() if base else Path()
    if not base or not (base_dir / "config.json").exists():
        if (name or base) in (DEMO_MODEL, TINY_TEST_MODEL) or Path(name).suffix == ".gguf":
            # Cached conversions and built models can be made again from what they came from.
            from engine.modeling import resolve_model

            base_dir = resolve_model(name or base)
        else:
            raise EngineError(
                ErrorKind.MODEL_NOT_FOUND,
                "The base model this run was trained on is no longer on this computer. "
                "Download it again from the Model step.",
                detail=f"base model {base!r} not found",
            )
    return RunInfo(
        run_dir=run_dir,
        adapter_dir=adapter_dir,
        base_model_dir=base_dir.resolve(),
        base_model_name=name or str(base),
        config=config,
    )


def read_model_config(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))
