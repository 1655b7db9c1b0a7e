"""Spreadsheets: each sheet of an Excel (.xlsx) or OpenDocument (.ods) workbook read as a table.

A sheet becomes rows of text cells and goes through the CSV reader's own header detection and
column guess, so a workbook behaves exactly like the same table saved as CSV. Formulas are
read as the values Excel last calculated, dates as ISO dates, whole numbers without ".0".
Unless the user picked a sheet, the one holding the most writing is read (a workbook often
opens on a summary or instructions sheet) and the report lists the others for the data page.

.xlsx goes through openpyxl (MIT, pure Python) in read-only mode, which streams each sheet
and parses its XML with defusedxml; .ods is read here from its content.xml with defusedxml,
streamed with iterparse. Both are zip archives, checked against the archive limits first.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from engine.contract.config import DataSettings
from engine.contract.errors import EngineError, ErrorKind
from engine.data.columns import NoWritingColumn
from engine.data.opendoc import odf_text
from engine.data.reading import FileStats, ReadCap, Row
from engine.data.tabular import GUESS_ROWS, read_table_rows
from engine.safety.archives import check_zip_limits

MAX_SHEETS = 200
MAX_COLUMNS = 10_000
_ODS_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}
MAX_REPEAT = 1_000  # a repeated cell or row standing for more than this is padding


def _damaged(path: Path, exc: BaseException) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' could not be opened as a spreadsheet: it looks damaged. Open it in "
        "Excel or LibreOffice, save it again as .xlsx, and choose it again.",
        detail=f"{path}: {exc!r}",
    )


def cell_text(value: Any) -> str:
    """A cell as the CSV export of the same sheet would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _trimmed(values: Any) -> list[str]:
    row = [cell_text(v) for v in islice(values, MAX_COLUMNS)]
    while row and not row[-1]:
        row.pop()
    return row


class _Workbook:
    """The sheets of one workbook and a way to stream each one's rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ods = path.suffix.lower() == ".ods"
        what = "spreadsheet"
        advice = "Open it in Excel or LibreOffice and save it again."
        if not zipfile.is_zipfile(path):
            with path.open("rb") as handle:
                if handle.read(4) == b"PK\x03\x04":  # a zip cut short (an unfinished download)
                    raise _damaged(path, zipfile.BadZipFile("no central directory"))
            raise EngineError(
                ErrorKind.BAD_DATA_FILE,
                f"'{path.name}' is not a workbook Quillora can read (an .xlsx or .ods file is a "
                "zip archive inside; this one is not). Open it in Excel or LibreOffice and "
                "save it as .xlsx.",
                detail=f"{path}: not a zip file",
            )
        check_zip_limits(path, what, advice)
        try:
            if self.ods:
                self.sheets = [name for name, _ in _ods_sheets(path, only_names=True)]
                self._book: Any = None
            else:
                import openpyxl

                if not openpyxl.DEFUSEDXML:  # fail closed: never parse sheets without it
                    raise RuntimeError("openpyxl is not using defusedxml")
                self._book = openpyxl.load_workbook(
                    path, read_only=True, data_only=True, keep_links=False
                )
                self.sheets = [ws.title for ws in self._book.worksheets]
        except EngineError:
            raise
        except Exception as exc:  # zip, XML and openpyxl errors alike mean a damaged file
            raise _damaged(path, exc) from exc
        self.sheets = self.sheets[:MAX_SHEETS]

    def rows(self, sheet: str) -> Iterator[list[str]]:
        try:
            if self.ods:
                for name, rows in _ods_sheets(self.path, only_names=False, wanted=sheet):
                    if name == sheet:
                        yield from rows
                return
            worksheet = self._book[sheet]
            worksheet.reset_dimensions()  # trust the cells, not a declared A1:XFD1048576
            for values in worksheet.iter_rows(values_only=True):
                yield _trimmed(values)
        except EngineError:
            raise
        except Exception as exc:
            raise _damaged(self.path, exc) from exc

    def close(self) -> None:
        if self._book is not None:
            self._book.close()


def _writing_in(rows: Iterator[list[str]]) -> int:
    """How much sentence-like text the first rows of a sheet hold (to pick the sheet)."""
    return sum(
        len(cell)
        for row in islice(rows, GUESS_ROWS)
        for cell in row
        if " " in cell.strip() and any(ch.isalpha() for ch in cell)
    )


def read_workbook(
    path: Path, stats: FileStats, settings: DataSettings, cap: ReadCap
) -> Iterator[Row]:
    """Rows of the chosen (or most wordy) sheet of an .xlsx or .ods workbook."""
    book = _Workbook(path)
    try:
        stats.kind = "ods" if book.ods else "xlsx"
        stats.sheets = tuple(book.sheets)
        if not book.sheets:
            raise EngineError(
                ErrorKind.BAD_DATA_FILE,
                f"'{path.name}' has no sheets with cells. Choose a workbook that holds your "
                "writing.",
                detail=f"{path}: no worksheets",
            )
        if settings.sheet:
            if settings.sheet not in book.sheets:
                listed = ", ".join(f"'{s}'" for s in book.sheets)
                raise EngineError(
                    ErrorKind.BAD_CONFIG,
                    f"'{path.name}' has no sheet named '{settings.sheet}'. Its sheets are: "
                    f"{listed}. Choose one of those.",
                    detail=f"{path}: sheets {book.sheets}",
                )
            sheet = settings.sheet
        else:
            scores = {name: _writing_in(book.rows(name)) for name in book.sheets}
            sheet = max(book.sheets, key=lambda name: scores[name])
            if len(book.sheets) > 1:
                stats.notes.append(
                    f"Read the sheet '{sheet}', the one of {len(book.sheets)} with the most "
                    "writing."
                )
        stats.sheet = sheet
        label = f"{path.name}:{sheet}" if len(book.sheets) > 1 else path.name
        try:
            yield from read_table_rows(path, book.rows(sheet), stats, settings, cap, label)
        except NoWritingColumn as exc:
            exc.sheets, exc.sheet = stats.sheets, sheet  # the data page offers the other sheets
            raise
    finally:
        book.close()


def _ods_sheets(
    path: Path, only_names: bool, wanted: str = ""
) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(sheet name, its rows) for each table in an .ods file's content.xml, streamed."""
    from defusedxml.ElementTree import iterparse

    table = f"{{{_ODS_NS['table']}}}"
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        events = iterparse(content, events=("start", "end"))
        number = 0
        for event, element in events:
            if event == "start" and element.tag == f"{table}table":
                number += 1
                name = element.get(f"{table}name") or f"Sheet {number}"
                if only_names or (wanted and name != wanted):
                    yield name, iter(())
                    _skip(events, element)
                    continue
                yield name, _ods_rows(events, element)
                if wanted:
                    return


def _skip(events: Any, until: Any) -> None:
    for event, element in events:
        if event == "end":
            if element is until:
                element.clear()
                return
            element.clear()


def _ods_rows(events: Any, sheet: Any) -> Iterator[list[str]]:
    table = f"{{{_ODS_NS['table']}}}"
    for event, element in events:
        if event != "end":
            continue
        if element is sheet:
            element.clear()
            return
        if element.tag != f"{table}table-row":
            continue
        row: list[str] = []
        for cell in element:
            if cell.tag not in (f"{table}table-cell", f"{table}covered-table-cell"):
                continue
            text = _ods_cell(cell)
            repeat = int(cell.get(f"{table}number-columns-repeated") or 1)
            row.extend([text] * min(repeat, MAX_REPEAT if text else MAX_COLUMNS))
            if len(row) >= MAX_COLUMNS:
                break
        while row and not row[-1]:
            row.pop()
        repeat = int(element.get(f"{table}number-rows-repeated") or 1)
        element.clear()
        # LibreOffice pads a sheet with one empty row "repeated" a million times.
        for _ in range(min(repeat, MAX_REPEAT) if row else 1):
            yield list(row)


def _ods_cell(cell: Any) -> str:
    office = f"{{{_ODS_NS['office']}}}"
    kind = cell.get(f"{office}value-type")
    if kind in ("float", "percentage", "currency"):
        return cell_text(float(cell.get(f"{office}value") or 0))
    if kind == "date":
        return (cell.get(f"{office}date-value") or "").replace("T00:00:00", "")
    if kind == "boolean":
        return "TRUE" if cell.get(f"{office}boolean-value") == "true" else "FALSE"
    paragraphs = [odf_text(p) for p in cell if p.tag == f"{{{_ODS_NS['text']}}}p"]
    return "\n".join(paragraphs)
