"""Reading prose: documents into paragraph-aware chunks that fit the token budget.

.txt, .md and .docx are read here; the other documents (PDF, EPUB, web pages, blog exports,
.rtf, .odt) come as paragraph streams from engine.data.documents and are chunked the same way.

A document is a run of sections (a Markdown heading or a Word "Heading"/"Title" paragraph
starts one); chunks never cross a section, and each keeps the section's title so a derived
prompt ("Write a piece titled '...'") can go with it. Text files are read line by line, so a
huge file costs bounded memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind
from engine.data.chunking import CountTokens, chunk_paragraphs, looks_like_title
from engine.data.reading import FileStats, ReadCap, Row
from engine.data.textfile import detect_encoding, open_text
from engine.safety.archives import check_zip_limits

_HEADING = re.compile(r"^#{1,6}\s+\S")
MAX_LINE_CHARS = 1024 * 1024  # a "line" longer than this is read in pieces


def chunk_budget(max_example_tokens: int) -> int:
    """Tokens a prose chunk may use: the example budget less room for a prompt and template."""
    return max(16, max_example_tokens - min(64, max_example_tokens // 4))


# A paragraph stream: (section number, section title, paragraph text).
Paragraphs = Iterator[tuple[int, str, str]]


def _text_paragraphs(path: Path, encoding: str, markdown: bool) -> Paragraphs:
    section, title = 0, ""
    lines: list[str] = []
    first = True
    with open_text(path, encoding) as handle:
        while True:
            line = handle.readline(MAX_LINE_CHARS)
            if not line:
                break
            line = line.rstrip("\r\n").lstrip("\ufeff")
            heading = markdown and _HEADING.match(line) is not None
            if heading or not line.strip():
                if lines:
                    paragraph = "\n".join(lines).strip()
                    lines = []
                    if first and not markdown and looks_like_title(paragraph):
                        title = paragraph
                    first = False
                    yield section, title, paragraph
                if heading:
                    section += 1
                    title = line.lstrip("#").strip()
                    first = False
                    lines = [line]
                continue
            lines.append(line)
    if lines:
        yield section, title, "\n".join(lines).strip()


def _docx_paragraphs(path: Path, notes: list[str]) -> Paragraphs:
    if not zipfile.is_zipfile(path):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' is not a Word document that Quillora can read (a .docx file is a "
            "zip archive inside; this one is not). Open it in Word and save it as .docx again.",
            detail=f"{path}: not a zip file",
        )
    # A zip bomb must be refused before python-docx inflates document.xml into memory.
    check_zip_limits(path)
    import docx  # python-docx; imported here so the engine's CLI starts quickly

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for damaged files
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' could not be opened as a Word document. Open it in Word and save "
            "it as .docx again.",
            detail=f"{path}: {exc!r}",
        ) from exc
    if document.tables:
        notes.append("Tables in this document were left out; only its paragraphs were read.")
    section, title = 0, ""
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.startswith(("Heading", "Title")):
            section += 1
            title = text
        yield section, title, text


def prose_paragraphs(path: Path, stats: FileStats) -> Paragraphs:
    """The paragraph stream of a .txt, .md or .docx file (sets the kind and encoding)."""
    if path.suffix.lower() == ".docx":
        stats.kind = "docx"
        return _docx_paragraphs(path, stats.notes)
    stats.kind = "prose"
    stats.encoding = detect_encoding(path, "text file")
    markdown = path.suffix.lower() in (".md", ".markdown")
    return _text_paragraphs(path, stats.encoding, markdown)


def read_prose(
    path: Path,
    stats: FileStats,
    paragraphs: Paragraphs,
    max_example_tokens: int,
    count: CountTokens,
    cap: ReadCap,
) -> Iterator[Row]:
    """Chunks of a document's paragraphs as prose rows (already within the budget)."""
    budget = chunk_budget(max_example_tokens)
    seen_any = False
    for number, (_, grouped) in enumerate(groupby(paragraphs, key=lambda item: item[0])):
        section = list(_bounded(grouped, cap))
        if not section:  # the read cap has no room left for this section
            stats.truncated = True
            break
        title = section[-1][1]
        for part, chunk in enumerate(chunk_paragraphs((p for _, _, p in section), budget, count)):
            if cap.full:
                stats.truncated = True
                return
            seen_any = True
            stats.rows_read += 1
            row = Row(
                text=chunk,
                source=f"{path.name}#{number + 1}" + (f".{part + 1}" if part else ""),
                title=title,
                part=part,
                chunked=True,
            )
            cap.take(row)
            yield row
    if not seen_any and not stats.truncated:
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' holds no text Quillora could read. Choose a file that holds "
            "your writing.",
            detail=f"{path}: no text",
        )


def _bounded(group: Iterator[tuple[int, str, str]], cap: ReadCap) -> Iterator[tuple[int, str, str]]:
    """A section's paragraphs, stopping once they alone would fill what the cap has left."""
    room = cap.max_chars - cap.chars
    used = 0
    for item in group:
        used += len(item[2])
        if used > room:
            return
        yield item
