"""Reading tables: CSV/TSV (delimiter sniffing, header detection) and JSONL.

Both stream row by row and stop at the read cap, so a file of any size costs bounded
memory. The first rows are buffered to guess the column mapping (engine.data.columns).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from engine.contract.config import DataSettings
from engine.contract.data_report import DROP_UNREADABLE, ColumnMapping
from engine.contract.errors import EngineError, ErrorKind
from engine.data.columns import PROMPT_NAMES, SYSTEM_NAMES, TEXT_NAMES, _key, choose_mapping
from engine.data.examples import Turn
from engine.data.reading import FileStats, ReadCap, Row
from engine.data.textfile import detect_encoding, open_text

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
GUESS_ROWS = 200

# One CSV cell may hold a whole article; the read cap bounds the total anyway.
csv.field_size_limit(64 * 1024 * 1024)


def _empty(path: Path, what: str) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' is empty. Choose a {what} that holds your writing.",
        detail=f"{path}: no text",
    )


def sniff_delimiter(sample: str, suffix: str = "") -> str:
    """The delimiter of a CSV sample: csv.Sniffer if its answer splits rows consistently,
    else the candidate that gives the most consistent number of fields per row."""
    if suffix == ".tsv":
        return "\t"
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    scores = {d: _consistency(sample, d) for d in DELIMITERS}
    if sniffed in scores and scores[sniffed][0] >= 0.9 and scores[sniffed][1] > 1:
        return sniffed
    best = max(DELIMITERS, key=lambda d: (scores[d][1] > 1, scores[d][0], scores[d][1]))
    return best if scores[best][1] > 1 else ","


def _consistency(sample: str, delimiter: str) -> tuple[float, int]:
    """(share of rows with the most common field count, that count) over the first rows."""
    try:
        counts = [
            len(r) for r in islice(csv.reader(sample.splitlines(), delimiter=delimiter), 50) if r
        ]
    except csv.Error:
        return 0.0, 0
    if not counts:
        return 0.0, 0
    fields, hits = Counter(counts).most_common(1)[0]
    return hits / len(counts), fields


def _looks_like_header(cells: list[str]) -> bool:
    keys = {_key(c) for c in cells}
    if keys & set(TEXT_NAMES + PROMPT_NAMES + SYSTEM_NAMES):
        return True
    stripped = [c.strip() for c in cells]
    return (
        all(0 < len(c) <= 40 for c in stripped)
        and len(set(stripped)) == len(stripped)
        and not any(c.replace(".", "").replace("-", "").isdigit() for c in stripped)
    )


def read_csv(path: Path, stats: FileStats, settings: DataSettings, cap: ReadCap) -> Iterator[Row]:
    stats.encoding = detect_encoding(path, "CSV file")
    with open_text(path, stats.encoding) as handle:
        sample = handle.read(SNIFF_CHARS)
        if not sample.strip():
            raise _empty(path, "CSV file")
        if len(sample) == SNIFF_CHARS and "\n" in sample:
            sample = sample[: sample.rfind("\n")]
        handle.seek(0)
        first_line = sample.split("\n", 1)[0].strip().lstrip("\ufeff")
        if first_line.lower().startswith("sep=") and len(first_line) == 5:
            # Excel's "sep=;" line names the delimiter; it is not part of the table.
            stats.delimiter = first_line[4]
            handle.readline()
        else:
            stats.delimiter = sniff_delimiter(sample, path.suffix.lower())
        reader = csv.reader(handle, delimiter=stats.delimiter)
        try:
            yield from read_table_rows(path, reader, stats, settings, cap)
        except csv.Error as exc:
            raise EngineError(
                ErrorKind.BAD_DATA_FILE,
                f"'{path.name}' is not a well-formed CSV file near line {reader.line_num}. "
                "Open it in a spreadsheet and save it again as CSV (UTF-8).",
                detail=f"{path}: {exc}",
            ) from exc


def read_table_rows(
    path: Path,
    reader: Iterable[list[str]],
    stats: FileStats,
    settings: DataSettings,
    cap: ReadCap,
    label: str = "",
) -> Iterator[Row]:
    """Rows of a table (a CSV file or a workbook's sheet): header, column guess, then rows.

    `label` names the table in each row's source (default: the file name).
    """
    rows = (row for row in reader if any(cell.strip() for cell in row))
    first = next(rows, None)
    if first is None:
        raise _empty(path, "CSV file")
    first = [cell.lstrip("\ufeff") for cell in first]
    header = _looks_like_header(first)
    if header:
        columns = [c.strip() or f"column {i + 1}" for i, c in enumerate(first)]
        head: list[list[str]] = []
    else:
        columns = [f"column {i + 1}" for i in range(len(first))]
        head = [first]
    head += list(islice(rows, GUESS_ROWS))
    if not head:
        raise EngineError(
            ErrorKind.NO_USABLE_ROWS,
            f"'{path.name}' has column names ({', '.join(columns)}) but no rows below them. "
            "Add your writing under the column names, one piece per row.",
            detail=f"{path}: header only",
        )
    stats.columns = tuple(columns)
    sample = [dict(zip(columns, row, strict=False)) for row in head]
    mapping = choose_mapping(path, columns, sample, settings)
    stats.mapping = mapping
    text_at = columns.index(mapping.text)
    prompt_at = columns.index(mapping.prompt) if mapping.prompt else -1
    system_at = columns.index(mapping.system) if mapping.system else -1

    def cell(row: list[str], at: int) -> str:
        return row[at] if 0 <= at < len(row) else ""

    # Rows are numbered as a spreadsheet shows them: the header is row 1.
    for number, row in enumerate(chain(head, rows), 2 if header else 1):
        if cap.full:
            stats.truncated = True
            return
        stats.rows_read += 1
        item = Row(
            text=cell(row, text_at),
            source=f"{label or path.name}:{number}",
            prompt=cell(row, prompt_at) if prompt_at >= 0 else None,
            system=cell(row, system_at) or None,
        )
        cap.take(item)
        yield item


def read_jsonl(path: Path, stats: FileStats, settings: DataSettings, cap: ReadCap) -> Iterator[Row]:
    """JSON Lines: chat `messages`, prompt/completion (or similar keys), or plain text."""
    stats.encoding = detect_encoding(path, "JSONL file")
    with open_text(path, stats.encoding) as handle:
        lines = ((n, line) for n, line in enumerate(handle, 1) if line.strip())
        head = list(islice(lines, GUESS_ROWS))
        if not head:
            raise _empty(path, "JSONL file")
        objects = [(n, _parse(line)) for n, line in head]
        keys: dict[str, None] = {}
        for _, obj in objects:
            if isinstance(obj, dict) and _turns(obj) is None:
                keys.update(dict.fromkeys(k for k, v in obj.items() if isinstance(v, str)))
        mapping = None
        if keys:
            sample = [
                {k: str(v) for k, v in obj.items() if isinstance(v, str)}
                for _, obj in objects
                if isinstance(obj, dict)
            ]
            mapping = choose_mapping(path, list(keys), sample, settings)
            stats.mapping = mapping
        stats.columns = tuple(keys)
        parsed = chain(objects, ((n, _parse(line)) for n, line in lines))
        for number, obj in parsed:
            if cap.full:
                stats.truncated = True
                return
            stats.rows_read += 1
            items = list(_rows_from_object(obj, mapping, f"{path.name}:{number}", stats))
            if not items:
                stats.dropped[DROP_UNREADABLE] += 1
            for item in items:
                cap.take(item)
                yield item


def _parse(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def _content(value: Any) -> str:
    """Message content: a string, or a list of parts ({"type": "text", "text": ...})."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(p.get("text", "") for p in value if isinstance(p, dict))
    return ""


# Speaker names of the common chat shapes: OpenAI-style "messages" (role/content) and
# ShareGPT-style "conversations" (from/value).
_ROLES = {
    "system": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bot": "assistant",
}


def _turns(obj: dict[str, Any]) -> list[tuple[str, str]] | None:
    """A chat's (role, text) turns in either shape, or None when `obj` is not a chat."""
    for key, role_key, text_key in (
        ("messages", "role", "content"),
        ("conversations", "from", "value"),
        ("conversation", "from", "value"),
    ):
        messages = obj.get(key)
        if isinstance(messages, list):
            turns = []
            for message in messages:
                if not isinstance(message, dict):
                    continue
                role = _ROLES.get(str(message.get(role_key, "")).lower())
                if role is None and role_key == "from":  # ShareGPT files mixing both spellings
                    role = _ROLES.get(str(message.get("role", "")).lower())
                text = _content(message.get(text_key, message.get("content")))
                if role and text.strip():
                    turns.append((role, text))
            return turns
    return None


def _conversation_row(turns: list[tuple[str, str]], source: str) -> Row | None:
    """One row for a whole conversation: its last reply is `text`, the turns before it are
    `history`. Nothing before the first user message can be answered, so it is left out."""
    system = "\n\n".join(text for role, text in turns if role == "system") or None
    spoken: list[Turn] = []
    for role, text in turns:
        if role == "system" or (not spoken and role != "user"):
            continue
        if spoken and spoken[-1][0] == role:  # two messages in a row from one side: one turn
            text = f"{spoken.pop()[1]}\n\n{text}"
        spoken.append(("user", text) if role == "user" else ("assistant", text))
    if spoken and spoken[-1][0] == "user":
        spoken.pop()  # a final question without an answer teaches nothing
    if len(spoken) < 2:
        return None
    history, prompt, reply = tuple(spoken[:-2]), spoken[-2][1], spoken[-1][1]
    return Row(text=reply, source=source, prompt=prompt, system=system, history=history)


def _rows_from_object(
    obj: Any, mapping: ColumnMapping | None, source: str, stats: FileStats
) -> Iterator[Row]:
    if not isinstance(obj, dict):
        return
    turns = _turns(obj)
    if turns is not None:
        row = _conversation_row(turns, source)
        if row is None:
            return
        if row.history and not any("several turns" in n for n in stats.notes):
            stats.notes.append(
                "Conversations with several turns are kept whole: the model learns every "
                "reply with the whole conversation before it."
            )
        yield row
        return
    if mapping is None:
        return
    text = obj.get(mapping.text)
    if not isinstance(text, str):
        return
    prompt: str | None = None
    if mapping.prompt:
        prompt = str(obj.get(mapping.prompt) or "")
        extra = obj.get("input")
        if _key(mapping.prompt) == "instruction" and isinstance(extra, str) and extra.strip():
            prompt = f"{prompt}\n\n{extra}"
    system_value = obj.get(mapping.system) if mapping.system else None
    yield Row(
        text=text,
        source=source,
        prompt=prompt,
        system=system_value if isinstance(system_value, str) and system_value else None,
    )
