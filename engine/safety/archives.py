"""Opening zip-based documents (.docx, .xlsx, .epub, .odt, blog exports) only when sane.

A .docx (like a workbook, an e-book or an export) is a zip archive; a hostile one (a "zip bomb") holds a document.xml that inflates
from kilobytes to gigabytes. python-docx would inflate it whole into memory, so the archive's
directory is checked first: limits on the total and per-member uncompressed size, the number
of members and the compression ratio. Python's zipfile never inflates a member past its
declared size (a lying header fails its CRC check), so checking the declared sizes bounds the
real work.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part of a document (document.xml, an image)
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # text XML compresses well, but not a thousandfold
# The methods office suites and exporters use (and Python's zipfile reads without extras).
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def check_zip_limits(
    path: Path,
    what: str = "Word document",
    advice: str = "Open it in Word and save it again as .docx.",
) -> None:
    """Raise BAD_DATA_FILE if `path` would inflate beyond the limits above.

    `what` names the document in the message ("Excel workbook") and `advice` is the next step
    for a damaged one.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    # NotImplementedError: a damaged directory claiming a zip version or method Python lacks.
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is damaged and cannot be opened as a {what}. {advice}",
            detail=f"{path}: {exc!r}",
        ) from exc
    unreadable = [
        m.filename
        for m in members
        if m.flag_bits & 0x1 or m.compress_type not in _METHODS  # encrypted, or an odd method
    ]
    if unreadable:
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is damaged or protected with a password, so it cannot be opened as "
            f"a {what}. {advice}",
            detail=f"{path}: encrypted or unsupported members {unreadable[:5]}",
        )
    total = sum(m.file_size for m in members)
    worst = max(members, key=lambda m: m.file_size, default=None)
    ratio = 0.0
    if worst is not None and worst.file_size > 1024 * 1024:
        ratio = worst.file_size / max(worst.compress_size, 1)
    if (
        len(members) > MAX_MEMBERS
        or total > MAX_TOTAL_BYTES
        or (worst is not None and worst.file_size > MAX_MEMBER_BYTES)
        or ratio > MAX_RATIO
    ):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is far larger inside than any {what} of writing should be, so "
            "Quillora did not open it (it could be a damaged or malicious file). Copy its "
            "text into a new document, or save it as .txt.",
            detail=(
                f"{path}: {len(members)} members, {total} bytes uncompressed, largest "
                f"{worst.filename if worst else '-'} ratio {ratio:.0f}"
            ),
        )
