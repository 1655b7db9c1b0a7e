"""Joining a user-supplied name onto a folder without ever leaving that folder.

Run names, export names and file names inside archives come from people or files; a name
such as `../../.bashrc`, `/etc/passwd` or `C:\\Windows` must not make Quillora write outside
the folder it chose. `safe_child` refuses such names with a typed error; `safe_name` turns
any text into a harmless single file-name component instead.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from engine.contract.errors import EngineError, ErrorKind

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))}
_RESERVED |= {f"lpt{i}" for i in range(1, 10)}


def safe_child(root: Path, name: str) -> Path:
    """`root / name`, refusing names that are absolute, climb out (..) or hide a drive."""
    windows = PureWindowsPath(name)
    posix = PurePosixPath(name)
    escapes = (
        not name
        or "\x00" in name
        or posix.is_absolute()
        or windows.is_absolute()
        or bool(windows.drive)
        or ".." in posix.parts
        or ".." in windows.parts
    )
    if not escapes:
        real_root = root.resolve()
        candidate = (real_root / name).resolve()
        escapes = not candidate.is_relative_to(real_root)
    if escapes:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"The name '{name[:80]}' would place files outside {root}. Choose a plain name "
            "without slashes or '..'.",
            detail=f"refused path: {name!r} under {root}",
        )
    return root / name


def safe_name(text: str, fallback: str = "run", limit: int = 60) -> str:
    """A single, portable file-name component made from `text` (never empty, never '..')."""
    text = unicodedata.normalize("NFKC", text)
    slug = re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.")[:limit].strip("-.")
    if not slug or slug.lower().split(".")[0] in _RESERVED:
        return fallback
    return slug
