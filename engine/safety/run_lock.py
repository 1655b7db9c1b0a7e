"""One training run at a time on this computer: a lock file in the data folder.

Two runs on one GPU would fight for its memory and both fail (or crawl). The first run holds
`<data dir>/train.lock`; a second is refused at once with RUN_BUSY, naming the run that holds
it. The lock is an OS file lock (flock on POSIX, msvcrt on Windows) on an open file, so it
vanishes with the process however it ends, SIGKILL included: a lock file left behind by a
dead run is stale by construction and simply taken over. The file also holds the holder's
pid and run folder, for the message and for the GUI.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.paths import data_dir

LOCK_NAME = "train.lock"


class RunLock:
    """Holds the data folder's training lock until `release()` or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    @classmethod
    def for_data_dir(cls, root: Path | None = None) -> RunLock:
        return cls((root or data_dir()) / LOCK_NAME)

    def acquire(self, run_dir: Path) -> RunLock:
        """Take the lock for `run_dir`, or raise RUN_BUSY naming the run that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the run)
        if not _try_lock(handle):
            handle.close()
            holder = read_holder(self.path)
            where = holder.get("run_dir") or "another run"
            raise EngineError(
                ErrorKind.RUN_BUSY,
                f"Another training run is already using this computer's {_trainer_words()}, "
                "so this one did not start (two at once would run out of memory). Wait for "
                f"{Path(where).name} to finish, or stop it, then start again.",
                detail=f"lock {self.path} held by pid {holder.get('pid')} for {where}",
            )
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps({"pid": os.getpid(), "run_dir": str(run_dir), "since": time.time()})
        )
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            try:
                self._handle.seek(0)
                self._handle.truncate()
            except OSError:
                pass
            _unlock(self._handle)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def read_holder(path: Path) -> dict[str, Any]:
    """What the lock file says about its holder ({} when empty or unreadable)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def is_held(path: Path) -> bool:
    """True while a live process holds the lock (a leftover file alone does not count)."""
    if not path.exists():
        return False
    with open(path, "a+", encoding="utf-8") as handle:
        if _try_lock(handle):
            _unlock(handle)
            return False
    return True


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _trainer_words() -> str:
    """What a run trains on here, in words: the GPU, or the processor on computers without one."""
    import torch

    return "GPU" if torch.cuda.is_available() else "processor and memory"
