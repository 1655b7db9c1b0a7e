"""Build a folder beside its final place, then swap it in: never a half-built folder.

The demo's conversion and the tiny test model are cached folders that several processes may
look for; a crash or a full disk mid-build must leave either the old folder or none.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def built_in_place_of(target: Path, prefix: str) -> Iterator[Path]:
    """Yield an empty folder beside `target`; when the block ends without error it replaces
    `target`, otherwise it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
