"""Keep the engine sealed: no network and no downloaded code unless the user asked for a Hub model.

Two things moved under the project in late 2026 and broke that promise (docs/architecture.md,
"A sealed engine"): transformers started importing the `kernels` package, and bitsandbytes'
CPU backend calls `kernels.get_kernel(...)` at import time, which downloads a compiled kernel
from the Hugging Face Hub and loads it. So, before the ML stack is imported:

- `kernels` is made unimportable for this process (a `None` entry in `sys.modules` is
  Python's documented way to say "this module is not available"); transformers then sees no
  kernels and bitsandbytes falls back to its own CPU code. `USE_HUB_KERNELS=NO` says the same
  to transformers in words, in case a later version reads only the switch.
- every command that does not need the Hub runs in the Hub's offline mode (huggingface_hub
  reads these variables once, at import, so they must be set first); telemetry is off always.

`seal()` is called by the engine's entry point (engine.__main__) and by the frozen bundle's
entry before anything heavy is imported.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Packages that fetch and load compiled code from the Hub when imported or called.
HUB_CODE_PACKAGES = ("kernels",)

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def seal(*, network: bool) -> None:
    """Block Hub code for this process; and unless `network`, put the Hub in offline mode."""
    for name in HUB_CODE_PACKAGES:
        # A process that imported it already (a test harness preloading the ML stack) keeps
        # it: removing a module others hold would break them, not seal anything.
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    os.environ["USE_HUB_KERNELS"] = "NO"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["DO_NOT_TRACK"] = "1"
    if not network:
        for variable in OFFLINE_VARIABLES:
            os.environ[variable] = "1"


def hub_cache_dir() -> Path:
    """The Hugging Face Hub cache, resolved as huggingface_hub documents it (HF_HUB_CACHE,
    else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub).

    Read here, with the standard library, because deciding offline mode must happen before
    huggingface_hub is imported.
    """
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def cached_hub_snapshot(repo_id: str, revision: str = "main") -> Path | None:
    """The folder of a fully downloaded Hub model in the local cache, else None.

    Complete means: config.json, and either every shard named by the safetensors index or a
    single .safetensors file. A half-finished download is not complete: it needs the network
    to continue, which the user asked for by choosing a Hub model.
    """
    repo_folder = hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))
    ref = repo_folder / "refs" / revision
    try:
        commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else revision
    except OSError:
        return None
    snapshot = repo_folder / "snapshots" / commit
    if not (snapshot / "config.json").is_file():
        return None
    index = snapshot / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return snapshot if shards and all((snapshot / s).is_file() for s in shards) else None
    return snapshot if any(p.is_file() for p in snapshot.glob("*.safetensors")) else None


def is_hub_id(name: str) -> bool:
    """A model name that can only mean a Hugging Face Hub repository (not 'demo', not the
    test model, not a folder or a .gguf file on this computer)."""
    path = Path(name).expanduser()
    from engine.demo import DEMO_MODEL
    from engine.tiny_test_model import TINY_TEST_MODEL

    if name in (DEMO_MODEL, TINY_TEST_MODEL) or path.exists() or path.suffix.lower() == ".gguf":
        return False
    return (
        bool(name)
        and not name.startswith((".", "/", "~"))
        and "\\" not in name
        and name.count("/") <= 1
    )
