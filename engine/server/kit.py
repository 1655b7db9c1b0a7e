"""Write a run's "Train on a server" folder: everything a rented machine needs, nothing more.

    <out>/
      README.md            for the person at the server: what it is, how to run it, what to send back
      launch.sh            installs the engine from the lock into .venv, then trains with accelerate
      settings.json        the run's settings, reading the data below
      data/examples.csv    the prepared examples (duplicates dropped, personal data redacted as
                           chosen): the user's files themselves never travel
      data/data-manifest.json   where each example came from (file names and SHA-256)
      data/pii-report.json      the personal-data check, for whoever handles the data
      accelerate/data-parallel.yaml   one process a GPU (what launch.sh uses)
      accelerate/fsdp-qlora.yaml      FSDP for bases too big for one GPU (see README)
      quillora/            the engine's source, pyproject.toml and lock/ (exact versions, hashes)

The folder is written to a staging folder and renamed into place (engine.safety.atomic), so a
half-written one never looks ready.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.contract.config import RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.data.examples import Example
from engine.emit import Emitter
from engine.server.accelerate_config import FSDP_NOTE, data_parallel, fsdp_qlora, write_config
from engine.server.templates import LAUNCH_SH, README_MD

SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the checkout holding engine/
EXAMPLES_CSV = "data/examples.csv"


@dataclass(frozen=True)
class KitRequest:
    """Which run travels, where the folder goes, and the server's shape."""

    run_dir: Path
    out: Path
    processes: int = 2
    gpus: bool = True


def write_kit(request: KitRequest, emitter: Emitter) -> Path:
    """Prepare the run's data again (as training would) and write the server folder."""
    from engine.commands.data import tokenizer_for
    from engine.data.prepare import prepare_examples
    from engine.run_folder import RunFolder
    from engine.safety.atomic import replaced_folder

    run = RunFolder(request.run_dir)
    if not run.run_json.is_file():
        raise EngineError(
            ErrorKind.BAD_CONFIG, f"There is no Quillora run at {request.run_dir} to send."
        )
    config = run.read_config()
    _refuse_local_model(config)
    if request.out.exists() and any(request.out.iterdir()):
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"The folder {request.out} is not empty. Choose a new, empty folder for the server.",
        )
    tokenizer = tokenizer_for(config.model.name, config.model.revision)
    prepared = prepare_examples(
        config.data,
        emitter,
        count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
        seed=config.training.seed,
    )
    with replaced_folder(request.out, "the server folder") as staging:
        _write_examples(staging / EXAMPLES_CSV, prepared.train + prepared.heldout)
        _write_json(staging / "data" / "data-manifest.json", prepared.manifest)
        _write_json(staging / "data" / "pii-report.json", _pii_report(prepared.report))
        _write_json(staging / "settings.json", _travelling_config(config).to_dict())
        write_config(
            staging / "accelerate" / "data-parallel.yaml",
            data_parallel(request.processes, request.gpus),
        )
        write_config(
            staging / "accelerate" / "fsdp-qlora.yaml",
            fsdp_qlora(request.processes),
            FSDP_NOTE.format(dtype="bf16"),
        )
        _copy_engine(staging / "quillora")
        launch = staging / "launch.sh"
        launch.write_text(_template(LAUNCH_SH, config, request), encoding="utf-8")
        launch.chmod(0o755)
        (staging / "README.md").write_text(_template(README_MD, config, request), encoding="utf-8")
    return request.out


def _refuse_local_model(config: RunConfig) -> None:
    name = config.model.name
    if name != "demo" and (Path(name).expanduser().is_absolute() or Path(name).exists()):
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This run's base model is a folder on this computer, which cannot travel with "
            "the server folder. Choose a model from the Hugging Face Hub for a server run.",
            name,
        )


def _travelling_config(config: RunConfig) -> RunConfig:
    """The run's settings, reading the prepared examples (already cleaned and redacted)."""
    data = replace(
        config.data,
        sources=(EXAMPLES_CSV,),
        text_column="text",
        prompt_column="prompt",
        system_column="system",
    )
    return config.replace(data=data)


def _write_examples(path: Path, examples: list[Example]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "prompt", "system"])
        for example in examples:
            writer.writerow([example.response, example.prompt or "", example.system or ""])


def _pii_report(report: Any) -> dict[str, Any]:
    body = report.to_dict()
    keys = ("pii", "pii_rows_checked", "pii_rows_total", "readiness", "files")
    return {key: body[key] for key in keys if key in body}


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def _copy_engine(target: Path) -> None:
    """The engine's source and what installs it; the desktop app's gui/ stays home."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(SOURCE_ROOT / "engine", target / "engine", ignore=ignore)
    shutil.copytree(SOURCE_ROOT / "assets", target / "assets", ignore=ignore)
    shutil.copy2(SOURCE_ROOT / "pyproject.toml", target / "pyproject.toml")
    if (SOURCE_ROOT / "lock").is_dir():
        shutil.copytree(SOURCE_ROOT / "lock", target / "lock")


def _template(text: str, config: RunConfig, request: KitRequest) -> str:
    values = {
        "MODEL": config.model.name,
        "RUN_NAME": config.name or request.run_dir.name,
        "PROCESSES": str(request.processes),
    }
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text
