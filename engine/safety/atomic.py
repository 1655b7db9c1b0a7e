"""Writing a folder all-or-nothing: into a hidden sibling, renamed into place when complete.

Used for a run's final adapter/: a crash, a SIGKILL or a full disk while it is written never
leaves an adapter folder that looks finished but is not (chat and export trust adapter/). A
full disk becomes DISK_FULL with a sentence the user can act on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind
from engine.safety.faults import pause_point

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def disk_full_error(exc: OSError, what: str, where: Path) -> EngineError:
    return EngineError(
        ErrorKind.DISK_FULL,
        f"The disk is full, so {what} could not be saved. Free some space and resume the "
        "run; its last checkpoint is intact.",
        f"{exc} (while writing {where})",
    )


@contextlib.contextmanager
def replaced_folder(final: Path, what: str = "the trained adapter") -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces `final` in one rename."""
    staging = final.with_name(f".{final.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        yield staging
        pause_point("adapter_before_rename")  # test hook (engine.safety.faults), inert
        if final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in DISK_FULL_ERRNOS:
            raise disk_full_error(exc, what, final) from exc
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
