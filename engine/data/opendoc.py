"""OpenDocument text (.odt, LibreOffice's and Google Docs' format): headings and paragraphs.

An .odt file is a zip archive whose content.xml holds the text (OASIS OpenDocument 1.2+,
part 3). It is checked against the archive limits, then streamed with defusedxml's
iterparse: each text:h starts a section, each text:p is a paragraph. Footnotes, comments,
tracked deletions, tables of contents and text boxes are left out: they are not the running
text the writer wrote.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.safety.archives import check_zip_limits

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_T = f"{{{TEXT}}}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_LEFT_OUT = {
    f"{_T}note",
    f"{_OFFICE}annotation",
    f"{_T}tracked-changes",
    f"{_T}table-of-content",
    f"{_T}alphabetical-index",
    f"{_T}bibliography",
    f"{_DRAW}frame",
}
MAX_SPACES = 100  # a text:s may claim any count; a line of writing needs few

Paragraph = tuple[int, str, str]


def odf_text(element: Any) -> str:
    """The text of an ODF paragraph: spaces, tabs and line breaks restored, notes left out."""
    parts: list[str] = [element.text or ""]
    pending: list[tuple[Any, bool]] = [(child, True) for child in reversed(list(element))]
    while pending:
        node, opening = pending.pop()
        if not opening:
            parts.append(node.tail or "")
            continue
        tag = node.tag
        if tag == f"{_T}s":
            parts.append(" " * min(int(node.get(f"{_T}c") or 1), MAX_SPACES))
        elif tag == f"{_T}tab":
            parts.append("\t")
        elif tag == f"{_T}line-break":
            parts.append("\n")
        elif tag not in _LEFT_OUT:
            parts.append(node.text or "")
            pending.append((node, False))
            pending.extend((child, True) for child in reversed(list(node)))
            continue
        parts.append(node.tail or "")
    return "".join(parts)


def odt_paragraphs(path: Path) -> Iterator[Paragraph]:
    """(section, title, paragraph) for each heading and paragraph of an .odt document."""
    from defusedxml.ElementTree import iterparse

    if not zipfile.is_zipfile(path):
        raise _damaged(path, ValueError("not a zip file"))
    check_zip_limits(path, "OpenDocument text", "Open it in LibreOffice and save it again.")
    section, title = 0, ""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            left_out = 0  # depth inside parts that are not running text
            for event, element in iterparse(content, events=("start", "end")):
                tag = element.tag
                if tag in _LEFT_OUT:
                    left_out += 1 if event == "start" else -1
                    if event == "end":
                        element.clear()
                    continue
                if event != "end" or left_out or tag not in (f"{_T}p", f"{_T}h"):
                    continue
                text = " ".join(odf_text(element).split(" ")).strip()
                element.clear()
                if not text:
                    continue
                if tag == f"{_T}h":
                    section += 1
                    title = text
                    continue
                yield section, title, text
    except EngineError:
        raise
    except Exception as exc:  # KeyError (no content.xml), XML errors, forbidden entities
        raise _damaged(path, exc) from exc


def _damaged(path: Path, exc: BaseException) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' could not be opened as an OpenDocument text: it looks damaged. Open "
        "it in LibreOffice or Word and save it again as .odt or .docx.",
        detail=f"{path}: {exc!r}",
    )
