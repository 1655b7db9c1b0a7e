"""The Hugging Face Hub and cache, as the model step needs them (no Qt, no ML stack).

Search, the models already in the local Hugging Face cache, the check of a model folder the
user picked, and the download itself. The download runs in a child process
(`python -m gui.steps.model.hub_client download REPO`) so that Cancel can always win by ending the
process; huggingface_hub keeps partial files (`*.incomplete`) and resumes them on the next
start. The child writes engine-protocol JSON lines (`report`, `failed`) on stdout so the
GUI reads it like any engine command; byte progress is measured by the parent from the size
of the repository's cache folder, which works the same for plain HTTP and Xet transfers.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Only what a 4-bit QLoRA run needs: weights as safetensors, configs and the tokenizer.
# Skips duplicate .bin / .pth / .gguf / ONNX weights that many repositories also carry.
ALLOW_PATTERNS = [
    "*.json",
    "*.safetensors",
    "*.model",
    "*.tiktoken",
    "*.txt",
    "*.jinja",
    "tokenizer*",
]


class HubUnavailable(Exception):
    """The Hub could not be reached or refused the request; `str()` is a calm sentence."""


@dataclass(frozen=True)
class HubModel:
    """One search result."""

    repo_id: str
    downloads: int = 0
    likes: int = 0
    gated: bool = False
    pipeline_tag: str = ""


@dataclass(frozen=True)
class CachedModel:
    """A model repository already in the Hugging Face cache on this computer."""

    repo_id: str
    size_bytes: int
    path: str  # the newest snapshot folder
    usable: bool  # has config.json and safetensors weights


@dataclass(frozen=True)
class FolderCheck:
    """Whether a folder holds a model Quillora can train; `message` says what is missing."""

    ok: bool
    message: str
    name: str = ""


def _calm(exc: BaseException) -> HubUnavailable:
    """Turn any network or Hub error into a sentence a non-technical person can act on."""
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if isinstance(exc, GatedRepoError):
        return HubUnavailable(
            "This model is gated: its authors ask you to accept their licence first. Open the "
            "model's page on huggingface.co, accept the licence, then add your Hugging Face "
            "token in Settings (it is kept in your system's password store) and try again."
        )
    if isinstance(exc, RepositoryNotFoundError):
        return HubUnavailable(
            "Hugging Face has no model by that name, or it is private. Check the spelling."
        )
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return HubUnavailable(
            "The disk is full. Free some space (or move Quillora's data folder in Settings), "
            "then start the download again: it carries on where it stopped."
        )
    if offline_mode():
        return _offline_unavailable()
    return HubUnavailable(
        "Hugging Face could not be reached. Check your internet connection and try again; "
        "the demo model and models already on this computer work offline."
    )


def offline_mode() -> bool:
    """Offline mode, read now (huggingface_hub reads HF_HUB_OFFLINE only once, at import)."""
    return os.environ.get("HF_HUB_OFFLINE") not in (None, "", "0")


def _offline_unavailable() -> HubUnavailable:
    return HubUnavailable(
        "Quillora is in offline mode, so it cannot reach Hugging Face. The demo model and "
        "models already on this computer still work."
    )


def search_models(query: str, limit: int = 30, token: str | None = None) -> list[HubModel]:
    """Text-generation models on the Hub matching `query`, most downloaded first."""
    from huggingface_hub import HfApi

    if offline_mode():  # never touch the network when the user asked for offline
        raise _offline_unavailable()

    try:
        found = HfApi().list_models(
            search=query.strip() or None,
            pipeline_tag="text-generation",
            sort="downloads",
            limit=limit,
            token=token,
        )
        return [
            HubModel(
                repo_id=info.id,
                downloads=int(info.downloads or 0),
                likes=int(info.likes or 0),
                gated=bool(info.gated),
                pipeline_tag=str(info.pipeline_tag or ""),
            )
            for info in found
        ]
    except Exception as exc:  # any transport or Hub failure becomes a calm message
        raise _calm(exc) from exc


def cached_models(cache_dir: Path | None = None) -> list[CachedModel]:
    """Model repositories in the local Hugging Face cache; an empty list if there is none."""
    from huggingface_hub import scan_cache_dir

    cache_dir = cache_dir or _cache_from_env()
    try:
        info = scan_cache_dir(cache_dir)
    except Exception:  # no cache folder yet, or an unreadable one: nothing to offer
        return []
    models = []
    for repo in info.repos:
        if repo.repo_type != "model" or not repo.revisions:
            continue
        newest = max(repo.revisions, key=lambda rev: rev.last_modified)
        names = {file.file_name for file in newest.files}
        usable = "config.json" in names and any(n.endswith(".safetensors") for n in names)
        models.append(
            CachedModel(
                repo_id=repo.repo_id,
                size_bytes=int(repo.size_on_disk),
                path=str(newest.snapshot_path),
                usable=usable,
            )
        )
    return sorted(models, key=lambda m: m.repo_id.lower())


def _cache_from_env() -> Path | None:
    """HF_HUB_CACHE read now, not at import time (settings and tests may change it)."""
    value = os.environ.get("HF_HUB_CACHE")
    return Path(value) if value else None


def check_local_folder(folder: Path) -> FolderCheck:
    """Whether `folder` holds a Hugging Face model: config.json plus safetensors weights."""
    if not folder.is_dir():
        return FolderCheck(False, "That is not a folder. Choose the folder that holds the model.")
    if not (folder / "config.json").is_file():
        return FolderCheck(
            False,
            "This folder has no config.json, so it does not look like a Hugging Face model. "
            "Choose the folder that holds config.json and the .safetensors files.",
        )
    if not any(folder.glob("*.safetensors")):
        if any(folder.glob("*.bin")) or any(folder.glob("*.gguf")):
            return FolderCheck(
                False,
                "This model's weights are not in the safetensors format Quillora trains from "
                "(.bin or .gguf files only). Download the safetensors version of the model.",
            )
        return FolderCheck(
            False, "This folder has a config.json but no model weights (.safetensors files)."
        )
    try:
        json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FolderCheck(False, "This folder's config.json cannot be read; it may be damaged.")
    return FolderCheck(True, "This folder holds a model Quillora can use.", name=folder.name)


def repo_cache_folder(repo_id: str, cache_dir: Path | None = None) -> Path:
    """The cache folder huggingface_hub uses for a model repository."""
    from huggingface_hub.constants import HF_HUB_CACHE

    root = Path(cache_dir or _cache_from_env() or HF_HUB_CACHE)
    return root / ("models--" + repo_id.replace("/", "--"))


def bytes_on_disk(repo_id: str, cache_dir: Path | None = None) -> int:
    """Bytes downloaded so far for `repo_id`, partial files included."""
    blobs = repo_cache_folder(repo_id, cache_dir) / "blobs"
    total = 0
    try:
        for entry in os.scandir(blobs):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0
    return total


def download_plan(repo_id: str, revision: str = "main", token: str | None = None) -> int:
    """Total bytes of the files a download of `repo_id` would fetch (cached ones included)."""
    from huggingface_hub import snapshot_download

    try:
        files = snapshot_download(
            repo_id, revision=revision, allow_patterns=ALLOW_PATTERNS, token=token, dry_run=True
        )
    except Exception as exc:
        raise _calm(exc) from exc
    return sum(int(f.file_size or 0) for f in files)  # type: ignore[union-attr]


def download(repo_id: str, revision: str = "main", token: str | None = None) -> Path:
    """Fetch the model into the Hugging Face cache (resuming partial files); its folder."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            repo_id, revision=revision, allow_patterns=ALLOW_PATTERNS, token=token
        )
    except Exception as exc:
        raise _calm(exc) from exc
    return Path(str(path))


def _emit(event: object) -> None:
    sys.stdout.write(event.to_line() + "\n")  # type: ignore[attr-defined]
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry: `download REPO [--revision R]`; the token comes in HF_TOKEN."""
    from engine.contract.errors import ErrorKind
    from engine.contract.events import DownloadProgress, Failed, Report

    parser = argparse.ArgumentParser(prog="python -m gui.steps.model.hub_client")
    parser.add_argument("command", choices=["download"])
    parser.add_argument("repo_id")
    parser.add_argument("--revision", default="main")
    args = parser.parse_args(argv)
    token = os.environ.get("HF_TOKEN") or None
    try:
        total = download_plan(args.repo_id, args.revision, token)
        _emit(
            DownloadProgress(
                model=args.repo_id,
                downloaded_bytes=bytes_on_disk(args.repo_id),
                total_bytes=total,
            )
        )
        path = download(args.repo_id, args.revision, token)
    except HubUnavailable as exc:
        _emit(Failed(kind=ErrorKind.DOWNLOAD_FAILED, message=str(exc), detail=repr(exc.__cause__)))
        return 2
    _emit(Report(name="download", body={"model": args.repo_id, "path": str(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
