"""Opening the user's text files safely: encoding detection and "is this really text?".

Marketers' files come from Excel on Windows (cp1252, UTF-16 with a BOM), Google Sheets
(UTF-8), Numbers (UTF-8 with a BOM). The encoding is decided from the first bytes: a BOM
wins, then strict UTF-8, then charset-normalizer on a bounded sample, then Windows-1252.
Files are only ever opened for reading.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import TextIO

from engine.contract.errors import EngineError, ErrorKind

SAMPLE_BYTES = 64 * 1024

_BOMS = (
    # The "utf-16" / "utf-32" codecs read the BOM, pick the byte order and drop it.
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Files people drag in by mistake, recognised by their first bytes, with what to do instead.
_MAGIC = (
    (b"PK\x03\x04", "a zip or Office file (such as an Excel workbook)"),
    (b"%PDF", "a PDF"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file (.xls or .doc)"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"{\\rtf", "a rich-text (.rtf) document"),
)


def detect_encoding(path: Path, what: str = "file") -> str:
    """The encoding to read `path` with; raises BAD_DATA_FILE for binary or undecodable files."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        complete = len(head) < SAMPLE_BYTES
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    for magic, description in _MAGIC:
        if head.startswith(magic):
            raise EngineError(
                ErrorKind.BAD_DATA_FILE,
                f"'{path.name}' is not a text {what}: it looks like {description}. "
                "Save it as CSV (UTF-8), .txt or .docx and choose that instead.",
                detail=f"{path}: first bytes {head[:8]!r}",
            )
    if b"\x00" in head:
        encoding = _utf16_without_bom(head)
        if encoding:
            return encoding
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is not a text {what}: it contains binary data. Open it in the "
            "program that made it and save it as CSV (UTF-8) or plain text.",
            detail=f"{path}: NUL bytes in the first {len(head)} bytes",
        )
    if _is_utf8(head, complete):
        return "utf-8"
    return _guess_legacy(path, head)


def open_text(path: Path, encoding: str) -> TextIO:
    """Open `path` read-only as text; undecodable bytes become U+FFFD rather than a crash."""
    # newline="" keeps CSV fields with embedded line breaks intact; the csv module and the
    # prose reader handle \r\n and \r themselves.
    return io.open(path, encoding=encoding, errors="replace", newline="")  # noqa: UP020


def _is_utf8(head: bytes, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False tolerates a multi-byte character cut at the end of the sample.
        decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(head: bytes) -> str:
    """UTF-16 without a BOM shows up as mostly-NUL odd (LE) or even (BE) bytes."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return ""
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.6 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.6 and odd_nuls < 0.1:
        return "utf-16-be"
    return ""


def _guess_legacy(path: Path, head: bytes) -> str:
    """Not UTF-8: ask charset-normalizer, preferring Windows-1252 when it fits."""
    from charset_normalizer import from_bytes

    matches = from_bytes(head)
    best = matches.best()
    if best is None:
        if _decodes(head, "cp1252") and _mostly_printable(head.decode("cp1252")):
            return "cp1252"
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"Quillora could not read the characters in '{path.name}'. Open it in the program "
            "that made it and save it again as CSV (UTF-8) or plain text (UTF-8).",
            detail=f"{path}: no encoding fits the first {len(head)} bytes",
        )
    # Short western-European samples are often read almost equally well as several code pages
    # (an en dash or a curly quote costs Windows-1252 a little "chaos", so a Baltic page can
    # win and turn "crème" into "crčme"). Windows-1252, by far the most likely origin (Excel
    # "CSV" on Windows), wins whenever its reading is as coherent a language as the best
    # guess's and only a little more chaotic; a real Baltic or Czech text reads as gibberish
    # in Windows-1252 and keeps its own code page.
    for match in matches:
        tie = match.chaos <= best.chaos + 0.05 and match.coherence >= best.coherence - 0.01
        if tie and "cp1252" in match.could_be_from_charset and _decodes(head, "cp1252"):
            return "cp1252"
    if not _mostly_printable(str(best)):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"Quillora could not read the characters in '{path.name}'. Open it in the program "
            "that made it and save it again as CSV (UTF-8) or plain text (UTF-8).",
            detail=f"{path}: best guess {best.encoding} gives mostly unprintable text",
        )
    return best.encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_printable(text: str) -> bool:
    if not text:
        return True
    bad = sum(1 for ch in text if not ch.isprintable() and ch not in "\r\n\t")
    return bad / len(text) < 0.05
