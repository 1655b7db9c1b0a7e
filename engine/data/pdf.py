"""PDF: the text layer as paragraphs, without running headers, footers or page numbers.

pypdf (pure Python, BSD) extracts each page's text as lines. A PDF has no paragraphs, only
positioned lines, so they are rebuilt: a line ending a sentence well short of the usual line
width ends a paragraph, a word hyphenated at a line end is joined, and a paragraph that runs
over a page break continues. Lines repeated at the top or bottom of many pages (a running
title, "Confidential", "Page 3 of 40") are furniture and dropped. The document's outline
(bookmarks), when it has one, starts a new section at each top-level entry. A PDF without a
text layer (scanned pages) gets a sentence saying so; Quillora does no OCR.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind
from engine.data.reading import MAX_TEXT_CHARS

MAX_PAGES = 5_000
MAX_SECONDS = 120.0  # a hostile page can be slow to read; stop between pages after this
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
FURNITURE_CHARS = 80  # a running header or footer is short; a line of body text is not

_PAGE_NUMBER = re.compile(
    r"^[\s\-–—|•·]*(page|p\.|seite|página|pagina)?\s*(\d{1,5}|[ivxlc]{1,7})"
    r"(\s*(of|/|de|von|sur)\s*\d{1,5})?[\s\-–—|•·]*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_NUMBER_AT_EDGE = re.compile(r"^[\s\-–—|•·]*\d+\b|\b\d+[\s\-–—|•·]*$")
_ENDS_SENTENCE = re.compile(r"[.!?:;…\"”’»)\]]$")
_BULLET = re.compile(r"^([•·▪‣◦\-–—*]|\d{1,3}[.)]|[a-z][.)])\s")
_HYPHENATED = re.compile(r"[^\W\d_]-$|\u00ad$")

Paragraph = tuple[int, str, str]  # (section number, section title, text)


def _damaged(path: Path, exc: BaseException) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' could not be read as a PDF: it looks damaged. Open it in a PDF "
        "viewer and save or print it to a new PDF, then choose that.",
        detail=f"{path}: {exc!r}",
    )


def pdf_paragraphs(path: Path, notes: list[str]) -> Iterator[Paragraph]:
    """The paragraphs of the PDF at `path` (see the module docstring)."""
    pages, outline = _page_lines(path, notes)
    if not any(any(c.isalpha() for c in line) for lines in pages for line in lines):
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' has no text that Quillora can read: its pages look like scanned "
            "images. Open it in a program that can recognise text (OCR), save the result as "
            ".docx or .txt, and choose that instead.",
            detail=f"{path}: no text layer on {len(pages)} pages",
        )
    furniture = _repeated_edges(pages)
    removed = 0
    body: list[tuple[int, str]] = []  # (page number, line)
    for number, lines in enumerate(pages):
        filled = [at for at, line in enumerate(lines) if line]
        top, bottom = set(filled[:EDGE_LINES]), set(filled[-EDGE_LINES:])
        for at, line in enumerate(lines):
            key = _edge_key(line)
            if (at in top and ("top " + key in furniture or _PAGE_NUMBER.match(line))) or (
                at in bottom and ("bottom " + key in furniture or _PAGE_NUMBER.match(line))
            ):
                removed += 1
                continue
            body.append((number, line))
    if removed:
        notes.append(
            f"Left out {removed:,} running header, footer and page-number lines repeated "
            "across the pages."
        )
    yield from _rebuild(body, outline)


def _page_lines(path: Path, notes: list[str]) -> tuple[list[list[str]], dict[int, str]]:
    """Each page's non-empty lines (blank lines kept as "" between paragraphs), and the
    outline's top-level titles by the page they start on."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    locked = EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' is protected with a password or encryption. Open it, save a copy "
        "without the protection (or print it to a new PDF), and choose that.",
        detail=f"{path}: encrypted",
    )
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise locked
        count = len(reader.pages)
        outline = _outline(reader)
        pages: list[list[str]] = []
        chars = 0
        started = time.monotonic()
        for page in reader.pages[:MAX_PAGES]:
            text = page.extract_text() or ""
            chars += len(text)
            pages.append([line.strip() for line in text.splitlines()])
            if chars > MAX_TEXT_CHARS or time.monotonic() - started > MAX_SECONDS:
                break
    except EngineError:
        raise
    except DependencyError as exc:  # AES encryption without a cryptography library
        raise locked from exc
    except (PyPdfError, RecursionError, MemoryError) as exc:
        raise _damaged(path, exc) from exc
    except Exception as exc:  # pypdf raises many kinds (KeyError, ValueError...) on damaged files
        raise _damaged(path, exc) from exc
    if len(pages) < count:
        notes.append(
            f"Only the first {len(pages):,} of {count:,} pages were read: the rest would hold "
            "more writing than training needs, or take too long to read."
        )
    return pages, outline


def _opens_without_password(reader: object) -> bool:
    """An owner-password-only PDF opens with the empty user password."""
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:  # an unsupported cipher or a broken encryption dictionary
        return False


def _outline(reader: object) -> dict[int, str]:
    """Top-level bookmark titles by page number; {} when there are none or they are broken."""
    titles: dict[int, str] = {}
    try:
        for entry in reader.outline:  # type: ignore[attr-defined]
            if isinstance(entry, list):
                continue  # nested entries: only top-level sections start a piece
            page = reader.get_destination_page_number(entry)  # type: ignore[attr-defined]
            title = str(entry.title or "").strip()
            if page is not None and page >= 0 and title and page not in titles:
                titles[page] = title
    except Exception:  # a broken outline only costs the section titles
        return {}
    return titles


def _edge_key(line: str) -> str:
    """A line with its numbers masked, so "Page 3" and "Page 4" are the same furniture."""
    return _DIGITS.sub("#", " ".join(line.lower().split()))


def _may_be_furniture(line: str) -> bool:
    """Short, and if it has numbers, they look like a page number or a short running title's.

    Body text also repeats at page edges once numbers are masked ("... (Note 17.)"), so a
    line with numbers counts only if it is short or starts or ends with its number.
    """
    if len(line) > FURNITURE_CHARS:
        return False
    if not any(ch.isdigit() for ch in line):
        return True
    return len(line) <= 40 or bool(_NUMBER_AT_EDGE.search(line)) or "page" in line.lower()


def _repeated_edges(pages: list[list[str]]) -> set[str]:
    """Lines at the page edges that repeat on enough pages to be a running header or footer.

    Keys carry their edge ("top" or "bottom"): a footer's text at the top of a page is body.
    """
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        content = [line for line in lines if line and _may_be_furniture(line)]
        filled = [line for line in lines if line]
        top = {"top " + _edge_key(line) for line in filled[:EDGE_LINES] if line in content}
        bottom = {"bottom " + _edge_key(line) for line in filled[-EDGE_LINES:] if line in content}
        seen.update(top | bottom)
    needed = max(2, int(len(pages) * 0.4))
    return {key for key, hits in seen.items() if hits >= needed}


def _rebuild(body: list[tuple[int, str]], outline: dict[int, str]) -> Iterator[Paragraph]:
    """Join lines into paragraphs (see the module docstring); sections follow the outline."""
    widths = sorted(len(line) for _, line in body if len(line) > 20)
    usual = widths[int(len(widths) * 0.8)] if widths else 60
    section, title = 0, ""
    current = ""
    last_page = -1
    ended = True  # the previous line ended a paragraph
    for page, line in body:
        if page != last_page:
            last_page = page
            if page in outline:
                if current:
                    yield section, title, current
                    current = ""
                section, title = section + 1, outline[page]
                ended = True
        if not line:
            # pypdf writes a blank line where the layout leaves a gap: a paragraph break.
            ended = True
            continue
        if ended and line.casefold() == title.casefold():
            continue  # the section's own heading: it is the title already
        if ended or _BULLET.match(line):
            if current:
                yield section, title, current
            current = line
        elif _HYPHENATED.search(current) and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}"
        # A sentence ending well short of the margin ends a paragraph; so does a short line
        # with no sentence end (a heading), unless it ends in a hyphen the next line completes.
        sentence_end = bool(_ENDS_SENTENCE.search(line))
        ended = (sentence_end and len(line) < 0.85 * usual) or (
            not sentence_end and len(line) < 0.5 * usual and not _HYPHENATED.search(line)
        )
    if current:
        yield section, title, current
