"""Which paragraph reader each kind of document goes through (prose, Word, PDF, e-book, web
page, blog export, rich text, OpenDocument), and the small readers that need no module of
their own: a saved web page and an .rtf file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from engine.contract.config import DataSettings
from engine.contract.errors import EngineError, ErrorKind
from engine.data.html_text import MAX_HTML_CHARS, page_text, paragraphs_of
from engine.data.reading import MAX_TEXT_CHARS, FileStats

Paragraph = tuple[int, str, str]
DOCUMENT_KINDS = ("pdf", "epub", "html", "wordpress", "export", "rtf", "odt")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def document_paragraphs(
    kind: str, path: Path, stats: FileStats, settings: DataSettings
) -> Iterator[Paragraph]:
    """(section, title, paragraph) of one document; sets `stats.kind` to what it really is."""
    include_extra = settings.include_pages_and_drafts
    if kind == "pdf":
        from engine.data.pdf import pdf_paragraphs

        stats.kind = "pdf"
        return pdf_paragraphs(path, stats.notes)
    if kind == "epub":
        from engine.data.ebook import epub_paragraphs

        stats.kind = "epub"
        return epub_paragraphs(path, stats.notes)
    if kind == "html":
        stats.kind = "html"
        return html_paragraphs(path, stats)
    if kind == "wordpress":
        from engine.data.blog import wordpress_paragraphs

        stats.kind = "wordpress"
        return wordpress_paragraphs(path, include_extra, stats.notes)
    if kind == "export":
        from engine.data.blog import export_paragraphs

        stats.kind, paragraphs = export_paragraphs(path, include_extra, stats.notes)
        return paragraphs
    if kind == "rtf":
        stats.kind = "rtf"
        return rtf_paragraphs(path)
    if kind == "odt":
        from engine.data.opendoc import odt_paragraphs

        stats.kind = "odt"
        return odt_paragraphs(path)
    raise ValueError(f"not a document kind: {kind}")


def _html_encoding(head: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if head.startswith(bom):
            return encoding
    declared = _META_CHARSET.search(head[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"
    return "utf-8"


def html_paragraphs(path: Path, stats: FileStats) -> Iterator[Paragraph]:
    """The main text of a saved web page (engine.data.html_text), as one piece of writing."""
    with path.open("rb") as handle:
        data = handle.read(MAX_HTML_CHARS)
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is not a web page: it holds binary data. Save the page again from "
            "your browser (File > Save Page As, 'Web Page, complete' or 'HTML only').",
            detail=f"{path}: NUL bytes",
        )
    stats.encoding = _html_encoding(data[:65536])
    page = page_text(data.decode(stats.encoding, errors="replace"))
    return iter(paragraphs_of(page, 0))


def rtf_paragraphs(path: Path) -> Iterator[Paragraph]:
    """The paragraphs of an .rtf file, via striprtf (BSD, pure Python, no recursion)."""
    from striprtf.striprtf import rtf_to_text

    with path.open("rb") as handle:
        data = handle.read(MAX_TEXT_CHARS)
    if not data.lstrip().startswith(b"{\\rtf"):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is not a rich-text (.rtf) document. Open it in the program that "
            "made it and save it as .rtf, .docx or .txt again.",
            detail=f"{path}: no {{\\rtf header",
        )
    try:
        # RTF is 7-bit ASCII with escapes; the escapes carry the real characters.
        text = rtf_to_text(data.decode("latin-1"), errors="replace")
    except Exception as exc:  # striprtf raises plain errors on broken escapes
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' could not be read as a rich-text document: it looks damaged. Open "
            "it in Word or TextEdit and save it again as .docx or .txt.",
            detail=f"{path}: {exc!r}",
        ) from exc
    section, title = 0, ""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            yield section, title, line
