"""Bring a run trained elsewhere (a server's `run/` folder) into this computer's runs.

The folder is checked (run.json and a complete adapter), copied into <data dir>/runs/ without
its checkpoints (they are for resuming on the server, and large), and its base model is
pointed at this computer's copy: the demo model built here, or the Hub model if it is already
downloaded. Try it and Share then work on it like on any local run. The chosen folder itself
is only read.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.json_file import write_json_atomic
from engine.contract.paths import runs_dir


def find_run(folder: Path) -> Path:
    """The run folder itself, or the `run/` inside a server folder."""
    for candidate in (folder, folder / "run"):
        if (candidate / "run.json").is_file():
            return candidate
    raise EngineError(
        ErrorKind.MODEL_NOT_FOUND,
        f"{folder} is not a Quillora run: there is no run.json in it (nor in a 'run' folder "
        "inside it). Choose the 'run' folder the server gave back.",
    )


def open_run(folder: Path, root: Path | None = None) -> tuple[Path, bool]:
    """Copy the run into this computer's runs; returns (the new run folder, base model ready)."""
    from engine.safety.atomic import replaced_folder

    source = find_run(folder.expanduser().resolve())
    record = _read_record(source)
    adapter = source / "adapter"
    if not (adapter / "adapter_config.json").is_file() or not any(adapter.glob("adapter_model.*")):
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            "This run has no finished adapter yet. Let the server run finish (or resume it "
            "there), then send the 'run' folder again.",
            str(adapter),
        )
    # A server folder's run is called "run": name it after the server folder instead.
    label = source.parent.name if source.name == "run" else source.name
    target = _free_name(runs_dir(root), label)
    with replaced_folder(target, "the opened run") as staging:
        shutil.copytree(
            source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("checkpoints")
        )
        base, ready = _local_base(record, root)
        record.update(
            base_model_path=str(base) if base else "",
            opened_from=str(source),
            opened=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        write_json_atomic(staging / "run.json", record)
    return target, ready


def _read_record(source: Path) -> dict[str, Any]:
    try:
        record = json.loads((source / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EngineError(
            ErrorKind.BAD_CONFIG, "This run's run.json cannot be read.", str(exc)
        ) from exc
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise EngineError(ErrorKind.BAD_CONFIG, "This run's run.json holds no settings.")
    return record


def _local_base(record: dict[str, Any], root: Path | None) -> tuple[Path | None, bool]:
    """This computer's copy of the run's base model, and whether it is here already."""
    model = record["config"].get("model") or {}
    name = str(model.get("name") or "")
    if name in ("demo", "tiny-test"):  # made on this computer (converted or built)
        from engine.modeling import resolve_model

        return resolve_model(name, root=root), True
    from engine.sealing import cached_hub_snapshot, is_hub_id

    if is_hub_id(name):
        found = cached_hub_snapshot(name, str(model.get("revision") or "main"))
        return found, found is not None
    folder = Path(name).expanduser()
    return (folder, True) if (folder / "config.json").is_file() else (None, False)


def _free_name(parent: Path, name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "run"
    candidate = parent / f"{slug}-from-server"
    number = 2
    while candidate.exists():
        candidate = parent / f"{slug}-from-server-{number}"
        number += 1
    return candidate
