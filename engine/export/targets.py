"""Where a GGUF goes next: Ollama (a Modelfile and `ollama create`) and LM Studio.

LM Studio finds models under <models>/<publisher>/<model>/<file>.gguf, in ~/.lmstudio/models
(current versions) or ~/.cache/lm-studio/models (older ones). The GGUF export is already laid
out that way, so installing it is a copy of one folder, refused if the model is there
already (unless replacing was asked for).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.paths import lmstudio_models_dir

PUBLISHER = "quillora"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "style-model"


def install_into_lmstudio(
    model_folder: Path, home: Path | None = None, overwrite: bool = False
) -> Path | None:
    """Copy `<publisher>/<model>/` into LM Studio's models folder; None without LM Studio."""
    models = lmstudio_models_dir(home)
    if models is None:
        return None
    dest = models / model_folder.parent.name / model_folder.name
    if dest.exists():
        if not overwrite:
            raise EngineError(
                ErrorKind.BAD_CONFIG,
                f"LM Studio already has a model at {dest}. Remove it there first, or allow "
                "Quillora to replace it.",
            )
        shutil.rmtree(dest)
    staging = dest.parent / f".{dest.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(model_folder, staging)
    staging.rename(dest)
    return dest


def ollama_model_name(run_name: str) -> str:
    return f"{PUBLISHER}-{slug(run_name)}"


def ollama_create_command(model_name: str, modelfile: Path) -> list[str]:
    return ["ollama", "create", model_name, "-f", str(modelfile)]


def run_ollama_create(command: list[str], timeout: float = 600) -> tuple[bool, str]:
    """Run `ollama create` when Ollama is installed: (done, what it said or why not)."""
    if shutil.which("ollama") is None:
        return False, "Ollama is not installed on this computer."
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return result.returncode == 0, (result.stdout + result.stderr)[-2000:]
