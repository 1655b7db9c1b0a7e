"""Where Quillora keeps things: the data folder, runs, the demo model cache.

The data folder follows platform conventions (platformdirs) and can be moved: the
QUILLORA_DATA_DIR environment variable or the GUI's setting overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Quillora"
DATA_DIR_ENV = "QUILLORA_DATA_DIR"


def data_dir() -> Path:
    """The root of everything Quillora writes (runs, caches, settings)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return user_data_path(APP_NAME, appauthor=False)


def runs_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "runs"


def demo_model_dir(root: Path | None = None) -> Path:
    """The demo model (SmolLM2-135M-Instruct), converted once from its GGUF file."""
    return (root or data_dir()) / "cache" / "demo-smollm2-135m-instruct"


def tiny_test_model_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "cache" / "tiny-test-model"


def converted_gguf_dir(root: Path | None = None) -> Path:
    """Where .gguf files chosen as a base are kept after conversion (one folder each)."""
    return (root or data_dir()) / "cache" / "converted-gguf"


def lmstudio_models_dir(home: Path | None = None) -> Path | None:
    """LM Studio's models folder on this computer (current or older layout), else None."""
    home = home or Path.home()
    for candidate in (home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"):
        if candidate.is_dir():
            return candidate
    return None


def ollama_models_dir(home: Path | None = None) -> Path | None:
    """Ollama's model files (GGUF blobs named by their SHA-256), else None."""
    candidate = (home or Path.home()) / ".ollama" / "models" / "blobs"
    return candidate if candidate.is_dir() else None


GGUF_MAGIC = b"GGUF"


def is_gguf_file(path: Path) -> bool:
    """True when `path` is a file that starts like a GGUF model (Ollama's blobs have no
    .gguf suffix, so the first four bytes decide)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == GGUF_MAGIC
    except OSError:
        return False


def assets_dir() -> Path:
    """Bundled assets: beside the packages in a checkout, inside the bundle when frozen."""
    frozen_root = os.environ.get("QUILLORA_ASSETS")
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[2] / "assets"
