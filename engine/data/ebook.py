"""EPUB e-books: each chapter a section, in reading order, without front matter.

An EPUB is a zip archive (EPUB 3.3, OCF): META-INF/container.xml names the package document
(.opf), whose spine lists the content documents in reading order. The container and package
are small XML files, parsed with defusedxml; chapters are XHTML, read with the same
html.parser-based extractor as web pages (engine.data.html_text), which neither runs nor
fetches anything and expands no custom entities. Left out: the navigation document and
table of contents, the cover, title and copyright pages (by the package's guide, the
spine's linear="no", the chapter's epub:type, or a file name such as cover.xhtml).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from engine.contract.errors import EngineError, ErrorKind
from engine.data.html_text import page_text, paragraphs_of
from engine.safety.archives import check_zip_limits

_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_FRONT_TYPES = {
    "cover", "title-page", "titlepage", "halftitlepage", "toc", "copyright-page", "imprint",
    "colophon", "landmarks", "loi", "lot", "index", "frontmatter", "backmatter",
}  # fmt: skip
_FRONT_NAMES = re.compile(
    r"^(cover|title|titlepage|title_page|toc|contents|nav|copyright|colophon|imprint|"
    r"halftitle|frontmatter)[-_\d]*$",
    re.IGNORECASE,
)
_DOCUMENT_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}

Paragraph = tuple[int, str, str]


def _damaged(path: Path, exc: BaseException | str) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' could not be opened as an e-book: it looks damaged. Open it in an "
        "e-book program (such as Calibre) and save or convert it to EPUB again.",
        detail=f"{path}: {exc!r}",
    )


def epub_paragraphs(path: Path, notes: list[str]) -> Iterator[Paragraph]:
    """(section, title, paragraph) of each chapter of the EPUB at `path`, in reading order."""
    if not zipfile.is_zipfile(path):
        raise _damaged(path, "not a zip file")
    check_zip_limits(path, "e-book", "Open it in an e-book program and save it again.")
    try:
        with zipfile.ZipFile(path) as archive:
            chapters, left_out = _reading_order(archive)
            section = 0
            for name in chapters:
                html = archive.read(name).decode("utf-8", errors="replace")
                page = page_text(html)
                if page.marks & _FRONT_TYPES:
                    left_out += 1
                    continue
                found = paragraphs_of(page, section + 1)
                if found:
                    section = found[-1][0]
                yield from found
    except EngineError:
        raise
    except Exception as exc:  # zip, XML, missing parts, forbidden XML entities
        raise _damaged(path, exc) from exc
    if left_out:
        notes.append(
            f"Left out {left_out} part{'s' if left_out > 1 else ''} that are not chapters "
            "(cover, title page, table of contents, copyright page)."
        )


def _reading_order(archive: zipfile.ZipFile) -> tuple[list[str], int]:
    """The archive names of the chapters in spine order, and how many parts were left out."""
    from defusedxml.ElementTree import fromstring

    container = fromstring(archive.read("META-INF/container.xml"))
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    if rootfile is None or not rootfile.get("full-path"):
        raise ValueError("container.xml names no package document")
    opf_name = rootfile.get("full-path", "")
    package = fromstring(archive.read(opf_name))
    base = posixpath.dirname(opf_name)

    def resolve(href: str) -> str:
        return posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))

    items: dict[str, tuple[str, str, str]] = {}
    for item in package.iter(f"{_OPF}item"):
        items[item.get("id", "")] = (
            resolve(item.get("href", "")),
            item.get("media-type", ""),
            item.get("properties", ""),
        )
    front = {
        resolve(ref.get("href", ""))
        for ref in package.iter(f"{_OPF}reference")
        if ref.get("type", "").lower() in _FRONT_TYPES
    }
    chapters: list[str] = []
    left_out = 0
    for itemref in package.iter(f"{_OPF}itemref"):
        name, media, properties = items.get(itemref.get("idref", ""), ("", "", ""))
        if not name or media not in _DOCUMENT_TYPES:
            continue
        if (
            "nav" in properties.split()
            or itemref.get("linear", "yes").lower() == "no"
            or name in front
            or _FRONT_NAMES.match(posixpath.splitext(posixpath.basename(name))[0])
        ):
            left_out += 1
            continue
        chapters.append(name)
    if not chapters:
        raise ValueError("the spine lists no chapters")
    return chapters, left_out
