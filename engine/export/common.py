"""What every export shares: a free-disk check, an all-or-nothing output folder, a model card.

An export is written into a hidden sibling folder (`.<name>.partial-<pid>`) and renamed to
its final name only when complete, so a crash, a full disk or a cancel never leaves a
half-written model that looks finished. An existing export is replaced only when the user
asked for it (`--overwrite`), and then only after the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind
from engine.safety.atomic import DISK_FULL_ERRNOS

# Room kept free beyond the export's own size, so the system never runs completely dry.
DISK_MARGIN_BYTES = 256 * 1024**2


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB"


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    return path


def check_free_space(out: Path, needed_bytes: int, margin: int = DISK_MARGIN_BYTES) -> None:
    """Raise DISK_FULL, naming the size, if the drive holding `out` lacks room."""
    free = shutil.disk_usage(_existing_parent(out)).free
    if free < needed_bytes + margin:
        raise EngineError(
            ErrorKind.DISK_FULL,
            f"This export needs about {human_size(needed_bytes)} of free disk space, but the "
            f"drive holding {out} has {human_size(free)} free. Free some space or choose "
            "another folder.",
            detail=f"needed={needed_bytes} margin={margin} free={free}",
        )


def check_destination(out: Path, overwrite: bool) -> None:
    """Refuse to touch an existing, non-empty export folder unless overwriting was asked."""
    if out.exists() and not out.is_dir():
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"{out} is a file, not a folder. Choose a folder for the export.",
        )
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"An export already exists in {out}. Choose another folder, or allow Quillora to "
            "replace it (--overwrite).",
            detail="destination exists",
        )


@contextlib.contextmanager
def staged_folder(out: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success it becomes `out`, else it is removed."""
    check_destination(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        yield staging
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in DISK_FULL_ERRNOS:
            # The up-front check passed but the drive filled up meanwhile.
            raise EngineError(
                ErrorKind.DISK_FULL,
                f"The drive holding {out} filled up during the export, so nothing was kept. "
                "Free some space or choose another folder, and export again.",
                detail=f"{exc}",
            ) from exc
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def write_card(run_dir: Path, dest_folder: Path, export_note: str) -> Path:
    """The run's model card (engine.model_card) beside an export, with a note on the export."""
    from engine.model_card import write_model_card

    path = Path(write_model_card(run_dir, dest_folder / "model-card.md"))
    with path.open("a", encoding="utf-8") as card:
        card.write(f"\n## This export\n\n{export_note}\n")
    return path
