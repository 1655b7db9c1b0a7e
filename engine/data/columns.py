"""Choosing which columns (or JSON keys) hold the writing, the request and the brief.

The user's choice always wins. Otherwise the header names decide ("text", "response",
"prompt", ...), and failing that the content: the column with the longest entries is taken
as the writing. The mapping says in a sentence how it was chosen so the GUI can show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.contract.config import DataSettings
from engine.contract.data_report import ColumnMapping
from engine.contract.errors import EngineError, ErrorKind

# Header names, most telling first; compared after lower-casing and dropping spaces,
# underscores and dashes.
TEXT_NAMES = (
    "text", "response", "completion", "output", "answer", "reply", "content", "body",
    "copy", "post", "caption", "message", "writing", "article", "story", "description",
    "draft", "tweet", "chosen", "assistant",
)  # fmt: skip
PROMPT_NAMES = (
    "prompt", "instruction", "question", "request", "query", "input", "brief", "ask",
    "task", "user",
)  # fmt: skip
SYSTEM_NAMES = ("system", "systemprompt", "persona", "context", "guidelines", "style")


class NoWritingColumn(EngineError):
    """No column of a table looks like writing; `columns` lets the Data step offer a choice."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        listed = ", ".join(f"'{c}'" for c in columns) or "none"
        super().__init__(
            ErrorKind.BAD_DATA_FILE,
            f"Quillora could not tell which column of '{path.name}' holds your writing. "
            f"Its columns are: {listed}. Choose the writing column on the Data step (or with "
            "--text-column), or name it 'text' in the file's first row.",
            detail=f"{path}: no text-like column among {list(columns)}",
        )
        self.path = path
        self.columns = tuple(columns)
        self.sheets: tuple[str, ...] = ()  # a workbook's sheets, so another can be chosen
        self.sheet = ""


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _find(columns: Sequence[str], names: Sequence[str], taken: set[str]) -> str:
    keyed = {_key(c): c for c in reversed(columns) if c not in taken}
    for name in names:
        if name in keyed:
            return keyed[name]
    return ""


def _average_length(rows: Sequence[dict[str, str]], column: str) -> float:
    values = [rows_value for row in rows if (rows_value := (row.get(column) or "").strip())]
    if not values:
        return 0.0
    # Mostly numbers or dates are not writing, however long.
    wordy = sum(1 for v in values if any(ch.isalpha() for ch in v) and " " in v)
    if wordy < len(values) / 2:
        return 0.0
    return sum(len(v) for v in values) / len(values)


def choose_mapping(
    path: Path, columns: Sequence[str], sample: Sequence[dict[str, str]], settings: DataSettings
) -> ColumnMapping:
    """The mapping for one table: the user's columns if named, else a guess."""
    columns = tuple(columns)
    listed = ", ".join(f"'{c}'" for c in columns) or "none"
    chosen = (settings.text_column, settings.prompt_column, settings.system_column)
    for role, name in zip(("writing", "request", "brief"), chosen, strict=True):
        if name and name not in columns:
            raise EngineError(
                ErrorKind.BAD_CONFIG,
                f"'{path.name}' has no column named '{name}' for the {role}. "
                f"Its columns are: {listed}. Choose one of those.",
                detail=f"{path}: columns {list(columns)}",
            )
    if settings.text_column:
        return ColumnMapping(
            text=settings.text_column,
            prompt=settings.prompt_column,
            system=settings.system_column,
            mode="answer" if settings.prompt_column else "prose",
            guessed=False,
            reason="the columns you chose",
            columns=columns,
        )
    # A request or brief column chosen without the writing column: guess only the writing.
    user_choice = bool(settings.prompt_column or settings.system_column)
    columns_left = [c for c in columns if c not in chosen]

    taken: set[str] = set(c for c in chosen if c)
    text = _find(columns_left, TEXT_NAMES, taken)
    reason = f"the column named '{text}'" if text else ""
    if not text:
        lengths = {c: _average_length(sample, c) for c in columns_left}
        best = max(lengths, key=lambda c: lengths[c], default="")
        if best and lengths[best] > 0:
            text = best
            reason = f"'{text}' holds the longest text"
    if not text:
        raise NoWritingColumn(path, columns)
    taken.add(text)
    if user_choice:
        prompt, system = settings.prompt_column, settings.system_column
    else:
        prompt = _find(columns, PROMPT_NAMES, taken)
        taken.add(prompt)
        system = _find(columns, SYSTEM_NAMES, taken)
    if prompt:
        reason += f"; requests from '{prompt}'"
    if system:
        reason += f"; briefs from '{system}'"
    return ColumnMapping(
        text=text,
        prompt=prompt,
        system=system,
        mode="answer" if prompt else "prose",
        guessed=True,
        reason=reason,
        columns=columns,
    )
