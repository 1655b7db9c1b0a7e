"""The body of the `data_preview` report that `python -m engine data` emits.

`Report(name="data_preview", body=DataPreview(...).to_dict())` tells the GUI's data page
everything it shows before training: what each file held, which columns were taken for what,
whether there is enough data, the first examples exactly as the model will see them, and any
personal data found. Standard library only, so the GUI can import it; every class is a frozen
dataclass with `to_dict()` / `from_dict()`. `from_dict` ignores unknown keys, so an older GUI
can read a newer engine's report.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

FileKind = Literal[
    "csv",
    "jsonl",
    "prose",
    "docx",
    "xlsx",
    "ods",
    "pdf",
    "epub",
    "html",
    "wordpress",
    "substack",
    "medium",
    "rtf",
    "odt",
]
ExampleMode = Literal["prose", "answer"]
ReadinessLevel = Literal["none", "too_few", "few", "good"]

# Why a row was left out; the keys of every `dropped` mapping below.
DROP_EMPTY = "empty"  # nothing left after stripping spaces
DROP_TOO_SHORT = "too_short"  # shorter than DataSettings.min_example_chars
DROP_TOO_LONG = "too_long"  # over max_example_tokens and could not be split
DROP_DUPLICATE = "duplicate"  # repeats an earlier example exactly
DROP_UNREADABLE = "unreadable"  # a JSONL line that is not JSON, a row with no usable fields
DROP_REASONS = (
    DROP_EMPTY,
    DROP_TOO_SHORT,
    DROP_TOO_LONG,
    DROP_DUPLICATE,
    DROP_UNREADABLE,
)
# Rows beyond the reading cap of a very large file are not counted (they are never read);
# the file's `truncated` flag and notes say so instead.


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a table (or keys of a JSONL file) hold what.

    `text` is the writing the model learns; with `prompt` set the model learns to answer the
    prompt with the text ("answer" mode), without it, to write like the text ("prose" mode).
    `guessed` is True when the engine chose the columns itself; `reason` says how, in a
    sentence the GUI can show ("the column named 'text'", "the column with the longest
    entries"). `columns` lists every column found, for the GUI's pickers.
    """

    text: str
    prompt: str = ""
    system: str = ""
    mode: ExampleMode = "prose"
    guessed: bool = True
    reason: str = ""
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileInfo:
    """One file that was read (a folder shows up as one entry per file inside it).

    `rows_read` counts rows, JSONL lines or prose chunks; `rows_kept` those that became
    examples; `dropped` maps a DROP_* reason to a count. `truncated` is True when the file was
    larger than the reading cap and the rest was not used (`notes` says so in words).
    `skipped` is True for a file that was not read at all (unsupported type, hidden, a link
    leading outside the chosen folder); `notes` says why. A workbook lists its `sheets` and
    the one read as `sheet`, so the data page can offer the others.
    """

    path: str
    kind: FileKind | Literal["skipped"]
    size_bytes: int = 0
    sha256: str = ""
    encoding: str = ""
    delimiter: str = ""
    columns: tuple[str, ...] = ()
    mapping: ColumnMapping | None = None
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    skipped: bool = False
    notes: tuple[str, ...] = ()
    sheets: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class Readiness:
    """Is there enough clean data to train on, in numbers and in one plain sentence.

    `total_tokens` is counted with the model's tokenizer when one was given
    (`tokens_estimated` False), otherwise estimated as characters / 4. `level` lets the GUI
    colour the verdict: none (cannot train), too_few (under 10), few (under 50), good.
    `pieces` counts distinct pieces of writing; `examples` can be larger because each piece
    without a request is learned twice, as writing and as the answer to a derived request.
    """

    examples: int
    train_examples: int
    heldout_examples: int
    prose_examples: int = 0
    answer_examples: int = 0
    duplicates: int = 0
    empty: int = 0
    too_short: int = 0
    too_long: int = 0
    split_long: int = 0  # long rows that were split into several examples (not dropped)
    total_tokens: int = 0
    tokens_estimated: bool = True
    pieces: int = 0
    level: ReadinessLevel = "none"
    verdict: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewTurn:
    """One earlier turn of a conversation: who spoke ("user" or "assistant") and what."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class PreviewExample:
    """One example as the model will learn it.

    `rendered` is the exact training text made with the model's chat template when a model
    was given, else "". `heldout` marks examples kept aside for checking. `turns` are a
    conversation's turns before `prompt` (the model learns the assistant's among them too).
    """

    response: str
    prompt: str | None = None
    system: str | None = None
    source: str = ""
    rendered: str = ""
    heldout: bool = False
    turns: tuple[PreviewTurn, ...] = ()


@dataclass(frozen=True)
class PiiFinding:
    """Possible personal data of one kind (see config.PII_KINDS).

    `samples` are a few occurrences in context with the value itself masked
    ("...write to j***@e***.com for..."); the unmasked values never leave the engine.
    `reasons` says, for each sample in turn, why it was taken for personal data ("a known
    first name after 'from'"). `sources` names where some of them were found ("posts.csv:17").
    `words` are the values of the samples, unmasked, for names only, so the user can mark
    one as not personal; they stay on this computer like everything else.
    """

    kind: str
    count: int
    samples: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    redacted: bool = False  # True when DataSettings.redact already replaces this kind


@dataclass(frozen=True)
class DataPreview:
    """The whole `data_preview` report body.

    `mapping` is the column mapping in effect for tables (the user's choice or the engine's
    guess for the first table); each FileInfo carries its own too. `preview` holds the first
    ~30 examples; `pii` one entry per kind found. `model` is the model whose template made
    `rendered` (empty when none was given).

    The personal-data check looks at every row when redaction is on; otherwise, to stay quick
    on large files, at the first rows up to a few megabytes of text: `pii_rows_checked` of
    `pii_rows_total` says how far it got (equal when every row was checked).
    """

    files: tuple[FileInfo, ...]
    readiness: Readiness
    mapping: ColumnMapping | None = None
    preview: tuple[PreviewExample, ...] = ()
    pii: tuple[PiiFinding, ...] = ()
    pii_rows_checked: int = 0
    pii_rows_total: int = 0
    model: str = ""
    truncated: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataPreview:
        return _build(cls, data)


T = TypeVar("T")


def _build(cls: type[T], data: Any) -> T:
    """Rebuild dataclass `cls` from `asdict` output, ignoring keys this version lacks."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _value(hints[f.name], data[f.name])
    return cls(**kwargs)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)  # type: ignore[arg-type]
    if origin is tuple:
        return tuple(_value(args[0], item) for item in value)
    if origin is dict:
        return dict(value)
    if args and origin is not Literal:  # X | None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _value(inner[0], value)
    return value
