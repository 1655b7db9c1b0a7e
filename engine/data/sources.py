"""Turning what the user chose (files and folders) into the list of files to read.

Folders are walked recursively in a stable order. Hidden files and folders, Office lock
files, links that lead outside the chosen folder, and types Quillora cannot read are left
out, each with a note the data page can show.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.contract.errors import EngineError, ErrorKind

KINDS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "prose",
    ".md": "prose",
    ".markdown": "prose",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "ods",
    ".pdf": "pdf",
    ".epub": "epub",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "wordpress",
    ".zip": "export",
    ".rtf": "rtf",
    ".odt": "odt",
}
# Kinds whose file is not plain text: the "read as" format choice never applies to them.
_BINARY_KINDS = {"docx", "xlsx", "ods", "pdf", "epub", "html", "wordpress", "export", "rtf", "odt"}
_ADVICE = {
    ".xls": "save it from Excel as .xlsx or CSV (UTF-8)",
    ".numbers": "export it from Numbers as .xlsx or CSV",
    ".doc": "save it from Word as .docx",
    ".pages": "export it from Pages as .docx",
    ".json": "save it as JSON Lines (.jsonl), one example per line",
}
_JUNK = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class SourceFile:
    """A file to read: where it is, what kind, and how to name it to the user."""

    path: Path
    kind: str  # csv | jsonl | prose | docx | xlsx | ods | one of documents.DOCUMENT_KINDS
    display: str  # relative to the chosen folder, or the file name
    in_folder: bool = False  # found inside a chosen folder (problems skip it, not fail)


@dataclass(frozen=True)
class Skipped:
    display: str
    reason: str


def kind_of(path: Path, forced: str = "auto") -> str:
    """The reader for `path` ("" when unsupported); `forced` is DataSettings.format."""
    kind = KINDS.get(path.suffix.lower(), "")
    if forced != "auto" and kind not in _BINARY_KINDS:
        return forced
    return kind


def _unsupported(path: Path) -> str:
    advice = _ADVICE.get(path.suffix.lower())
    what = f"'{path.suffix}' files" if path.suffix else "files without an extension"
    if advice:
        return f"Quillora cannot read {what}: {advice}."
    return (
        f"Quillora cannot read {what}; it reads CSV, JSONL, Excel, .txt, .md, .docx, .odt, "
        ".rtf, PDF, EPUB, web pages and blog exports."
    )


def _hidden(name: str, path: Path | None = None) -> bool:
    """Dot files, Office lock files, OS clutter, and files Windows marks as hidden."""
    if name.startswith((".", "~$")) or name.lower() in _JUNK:
        return True
    if sys.platform == "win32" and path is not None:
        attributes = os.stat(path, follow_symlinks=False).st_file_attributes  # type: ignore[attr-defined]
        return bool(attributes & stat.FILE_ATTRIBUTE_HIDDEN)  # type: ignore[attr-defined]
    return False


def expand(
    sources: tuple[str, ...], forced: str = "auto"
) -> tuple[list[SourceFile], list[Skipped]]:
    """The files behind `sources`; a missing path or an unsupported single file is an error."""
    if not sources:
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            "Choose at least one file or folder with your writing.",
            detail="no data sources",
        )
    files: list[SourceFile] = []
    skipped: list[Skipped] = []
    for source in sources:
        path = Path(source).expanduser()
        if not path.exists():
            raise EngineError(
                ErrorKind.BAD_DATA_FILE,
                f"Quillora cannot find '{path.name or source}'. It may have been moved, renamed "
                "or deleted; choose it again.",
                detail=f"missing: {path}",
            )
        if path.is_dir():
            _walk(path, forced, files, skipped)
            continue
        kind = kind_of(path, forced)
        if not kind:
            raise EngineError(ErrorKind.BAD_DATA_FILE, _unsupported(path), detail=str(path))
        files.append(SourceFile(path, kind, path.name))
    return files, skipped


def _walk(root: Path, forced: str, files: list[SourceFile], skipped: list[Skipped]) -> None:
    real_root = root.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        # Prune hidden folders; folder links are never followed (no loops, no escapes).
        dirs[:] = sorted(
            (d for d in dirs if not _hidden(d, here / d) and not _page_assets(here, d)),
            key=str.casefold,
        )
        for d in list(dirs):
            if (here / d).is_symlink():
                dirs.remove(d)
                skipped.append(
                    Skipped(_rel(here / d, root), "a link to a folder; choose that folder itself")
                )
        for name in sorted(names, key=str.casefold):
            path = here / name
            if _hidden(name, path):
                continue
            display = _rel(path, root)
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(real_root):
                    skipped.append(Skipped(display, "a link to a file outside the chosen folder"))
                    continue
                if not target.is_file():
                    skipped.append(Skipped(display, "a link that leads nowhere"))
                    continue
            elif not path.is_file():
                continue
            kind = kind_of(path, forced)
            if not kind:
                skipped.append(Skipped(display, _unsupported(path)))
                continue
            files.append(SourceFile(path, kind, display, in_folder=True))


# A browser's "Web Page, complete" saves Page.html beside a Page_files folder of scripts,
# styles and embedded frames (adverts, widgets): furniture, not more writing.
_ASSET_SUFFIXES = ("_files", "-Dateien", "_archivos", "_fichiers", "_file")


def _page_assets(folder: Path, name: str) -> bool:
    for suffix in _ASSET_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return any((folder / f"{stem}{ext}").is_file() for ext in (".html", ".htm"))
    return False


def _rel(path: Path, root: Path) -> str:
    return f"{root.name}/{path.relative_to(root).as_posix()}"
