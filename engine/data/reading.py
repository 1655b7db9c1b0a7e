"""What every reader produces (rows) and keeps count of (per-file statistics, the read cap)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.contract.data_report import DROP_REASONS, ColumnMapping, FileInfo
from engine.data.examples import Turn

# A file far larger than any style needs is read only up to this much (the rest is reported
# as not used); it keeps memory bounded whatever the user drops in.
MAX_ROWS = 200_000
MAX_TEXT_CHARS = 64 * 1024 * 1024


@dataclass
class Row:
    """One raw piece of writing before cleaning.

    `prompt` None means prose. `title` is a heading or document title a derived prompt can
    use; `part` numbers the chunks of one section (0 for the first).
    """

    text: str
    source: str
    prompt: str | None = None
    system: str | None = None
    title: str = ""
    part: int = 0
    history: tuple[Turn, ...] = ()  # a conversation's turns before `prompt` (Example.history)
    chunked: bool = False  # prose already cut to the token budget by the reader


@dataclass
class ReadCap:
    """Counts what has been read across all files and says when to stop."""

    max_rows: int = MAX_ROWS
    max_chars: int = MAX_TEXT_CHARS
    rows: int = 0
    chars: int = 0

    def take(self, row: Row) -> None:
        self.rows += 1
        self.chars += len(row.text) + len(row.prompt or "") + len(row.system or "")

    @property
    def full(self) -> bool:
        return self.rows >= self.max_rows or self.chars >= self.max_chars


@dataclass
class FileStats:
    """Running statistics for one source file, turned into a FileInfo and a manifest entry."""

    path: Path
    kind: str
    size_bytes: int = 0
    sha256: str = ""
    encoding: str = ""
    delimiter: str = ""
    columns: tuple[str, ...] = ()
    mapping: ColumnMapping | None = None
    rows_read: int = 0
    rows_kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    redactions: Counter[str] = field(default_factory=Counter)
    truncated: bool = False
    skipped: bool = False
    notes: list[str] = field(default_factory=list)
    sheets: tuple[str, ...] = ()  # a workbook's sheets, and the one read
    sheet: str = ""

    def fill_identity(self) -> None:
        """Size and SHA-256 of the file as it is on disk (streamed, read-only)."""
        digest = hashlib.sha256()
        size = 0
        with self.path.open("rb") as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
                size += len(block)
        self.size_bytes = size
        self.sha256 = digest.hexdigest()

    def to_info(self, display: str) -> FileInfo:
        dropped = {reason: self.dropped[reason] for reason in DROP_REASONS if self.dropped[reason]}
        return FileInfo(
            path=display,
            kind=self.kind,  # type: ignore[arg-type]
            size_bytes=self.size_bytes,
            sha256=self.sha256,
            encoding=self.encoding,
            delimiter=self.delimiter,
            columns=self.columns,
            mapping=self.mapping,
            rows_read=self.rows_read,
            rows_kept=self.rows_kept,
            dropped=dropped,
            truncated=self.truncated,
            skipped=self.skipped,
            notes=tuple(self.notes),
            sheets=self.sheets,
            sheet=self.sheet,
        )

    def to_manifest(self, display: str, rights: str) -> dict[str, object]:
        """The manifest entry: identity and counts, never the user's text or found values."""
        return {
            "path": display,
            "kind": self.kind,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "mapping": None
            if self.mapping is None
            else {
                "text": self.mapping.text,
                "prompt": self.mapping.prompt,
                "system": self.mapping.system,
            },
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_dropped": dict(sorted(self.dropped.items())),
            "redactions": dict(sorted(self.redactions.items())),
            "truncated": self.truncated,
            "skipped": self.skipped,
            "notes": list(self.notes),
            "rights": rights,
        }
