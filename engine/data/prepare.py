"""From the user's files to train and held-out examples, a manifest and a preview report.

`prepare_examples` is what the trainer and `python -m engine data` call. It reads every
source (streaming, up to a cap), cleans each row (newlines, empty, too short, duplicates,
over-long rows split or dropped), finds and optionally redacts personal data, and splits off
a held-out set by a stable hash so the same data and seed always give the same split.
The user's files are only ever opened for reading.

Every piece of prose (a chunk of a document, a row of a text-only table) becomes two
examples: plain prose, to write like it, and the answer to a request derived from its title
or opening ("Write a piece titled '...'"), so that a plain chat request also reaches the
user's voice. Both land on the same side of the held-out split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.contract.config import DataSettings
from engine.contract.data_report import (
    DROP_DUPLICATE,
    DROP_EMPTY,
    DROP_TOO_LONG,
    DROP_TOO_SHORT,
    DataPreview,
)
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import Log
from engine.data.chunking import (
    CountTokens,
    chunk_paragraphs,
    derived_prompt,
    estimate_tokens,
    normalise,
    split_paragraphs,
)
from engine.data.columns import NoWritingColumn
from engine.data.documents import DOCUMENT_KINDS, document_paragraphs
from engine.data.examples import Example
from engine.data.personal import PersonalData
from engine.data.prose import chunk_budget, prose_paragraphs, read_prose
from engine.data.reading import FileStats, ReadCap, Row
from engine.data.report import build_manifest, build_report, no_usable_rows
from engine.data.sources import SourceFile, expand
from engine.data.tabular import read_csv, read_jsonl
from engine.data.workbook import read_workbook
from engine.emit import Emitter

Render = Callable[[Example], str]


@dataclass
class PreparedData:
    """What the trainer gets: examples to learn from, examples to check on, and the records."""

    train: list[Example]
    heldout: list[Example]
    manifest: dict[str, Any]
    report: DataPreview


@dataclass
class _Builder:
    """Cleans rows into examples, counting what it leaves out and why."""

    settings: DataSettings
    count: CountTokens
    personal: PersonalData
    examples: list[Example] = field(default_factory=list)
    seen: set[bytes] = field(default_factory=set)
    split_long: int = 0
    total_tokens: int = 0  # prompt + response + system of every example (no template)

    def add(self, row: Row, stats: FileStats) -> None:
        """Clean one row into zero, one or (prose) two or more examples."""
        settings = self.settings
        text = normalise(row.text)
        prompt = normalise(row.prompt) if row.prompt else ""
        system = normalise(row.system) if row.system else ""
        roles = [role for role, _ in row.history]
        earlier = [normalise(turn) for _, turn in row.history]
        if not text:
            stats.dropped[DROP_EMPTY] += 1
            return
        if len(text) < settings.min_example_chars:
            stats.dropped[DROP_TOO_SHORT] += 1
            return
        if settings.drop_duplicates:
            key = hashlib.blake2b(
                "\0".join([*earlier, prompt, system, text]).encode("utf-8", "surrogatepass"),
                digest_size=16,
            ).digest()
            if key in self.seen:
                stats.dropped[DROP_DUPLICATE] += 1
                return
            self.seen.add(key)
        (text, prompt, system, *earlier), redacted = self.personal.check_row(
            [text, prompt, system, *earlier], row.source
        )
        history = tuple(zip(roles, earlier, strict=True))
        if redacted:
            stats.redactions.update(redacted)
        if prompt:
            tokens = self.count(prompt) + self.count(text) + self.count(system)
            tokens += sum(self.count(turn) for turn in earlier)
            if tokens > settings.max_example_tokens:
                stats.dropped[DROP_TOO_LONG] += 1
                return
            self.examples.append(Example(text, prompt, system or None, row.source, history))
            self.total_tokens += tokens
            stats.rows_kept += 1
            return
        budget = chunk_budget(settings.max_example_tokens)
        tokens = self.count(text)
        pieces = [(text, tokens)]
        if not row.chunked and tokens > budget:
            chunks = chunk_paragraphs(split_paragraphs(text), budget, self.count)
            pieces = [(chunk, self.count(chunk)) for chunk in chunks]
            self.split_long += 1
        system_tokens = self.count(system) if system else 0
        for part, (piece, tokens) in enumerate(pieces):
            source = row.source + (f" (part {part + 1})" if len(pieces) > 1 else "")
            # The same writing twice: as prose to write like, and as the answer to a derived
            # request, so that a plain chat request reaches the user's voice too.
            self.examples.append(Example(piece, None, None, source))
            request = derived_prompt(piece, row.title, row.part or part)
            self.examples.append(Example(piece, request, system or None, source))
            self.total_tokens += 2 * tokens + self.count(request) + system_tokens
        stats.rows_kept += 1


def _rows(source: SourceFile, stats: FileStats, settings: DataSettings, count: CountTokens,
          cap: ReadCap) -> Iterator[Row]:  # fmt: skip
    if source.kind == "csv":
        return read_csv(source.path, stats, settings, cap)
    if source.kind == "jsonl":
        return read_jsonl(source.path, stats, settings, cap)
    if source.kind in ("xlsx", "ods"):
        return read_workbook(source.path, stats, settings, cap)
    if source.kind in DOCUMENT_KINDS:
        paragraphs = document_paragraphs(source.kind, source.path, stats, settings)
    else:
        paragraphs = prose_paragraphs(source.path, stats)
    return read_prose(source.path, stats, paragraphs, settings.max_example_tokens, count, cap)


def _read_file(source: SourceFile, stats: FileStats, builder: _Builder, cap: ReadCap) -> None:
    """Hash the file, then (unless the cap is already full) read its rows into the builder."""
    try:
        stats.fill_identity()
        if stats.skipped:
            return
        for row in _rows(source, stats, builder.settings, builder.count, cap):
            builder.add(row, stats)
    except OSError as exc:  # locked by another program, no permission, a vanished drive
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"Quillora could not open '{source.path.name}'. Close it in any program that has "
            "it open, check that you may read it, and try again.",
            detail=f"{source.path}: {exc!r}",
        ) from exc


def no_column_in_folder(exc: NoWritingColumn) -> str:
    """A table in a folder has no column picker of its own: say how to get one."""
    listed = ", ".join(f"'{c}'" for c in exc.columns)
    return (
        f"No column looks like writing (its columns: {listed}). Choose this file on its own "
        "to pick the column, or name the writing column 'text' in its first row."
    )


def split_heldout(
    examples: list[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Keep about `fraction` of the examples aside, chosen by a hash of their text and the seed.

    Examples sharing a response (a prose chunk and its derived-prompt twin) stay on the same
    side so the check never sees writing the model trained on. With 5 or more examples at
    least one is kept aside (unless fraction is 0); the order within each side is kept.
    """
    total = len(examples)
    target = round(total * fraction)
    if fraction > 0 and total >= 5:
        target = max(1, target)
    if target == 0:
        return list(examples), []
    groups: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault(example.response, []).append(index)
    salt = str(seed).encode()

    def rank(response: str) -> bytes:
        data = response.encode("utf-8", "surrogatepass")
        return hashlib.blake2b(data, digest_size=8, key=salt[:64]).digest()

    held: set[int] = set()
    for response in sorted(groups, key=rank):
        if len(held) >= target:
            break
        members = groups[response]
        if total - len(held) - len(members) < 1:
            break
        held.update(members)
    train = [e for i, e in enumerate(examples) if i not in held]
    heldout = [e for i, e in enumerate(examples) if i in held]
    return train, heldout


def prepare_examples(
    settings: DataSettings,
    emitter: Emitter | None = None,
    count_tokens: CountTokens | None = None,
    seed: int = 42,
    render: Render | None = None,
) -> PreparedData:
    """Read, clean and split the data `settings` names (see the module docstring).

    `count_tokens` counts with the model's tokenizer (else characters / 4); `render` turns an
    example into the exact training text for the preview (else the preview leaves it empty).
    Raises EngineError (BAD_DATA_FILE, BAD_CONFIG, NO_USABLE_ROWS) with a plain sentence.
    """
    count = count_tokens or estimate_tokens
    files, skipped = expand(settings.sources, settings.format)
    cap = ReadCap()
    builder = _Builder(settings, count, PersonalData(tuple(settings.redact), settings.not_personal))
    all_stats: list[tuple[str, FileStats]] = []
    for number, source in enumerate(files, 1):
        stats = FileStats(source.path, source.kind)
        all_stats.append((source.display, stats))
        if cap.full:
            stats.skipped = stats.truncated = True
            stats.notes.append("Not read: there was already more writing than training needs.")
        elif emitter is not None:
            emitter.emit(Log(message=f"Reading {source.display} ({number} of {len(files)})"))
        try:
            _read_file(source, stats, builder, cap)
        except EngineError as exc:
            if not source.in_folder:
                raise
            # One bad file inside a chosen folder is left out with its reason, not fatal.
            stats.skipped = True
            stats.notes.append(
                no_column_in_folder(exc) if isinstance(exc, NoWritingColumn) else exc.message
            )
        if stats.truncated and not stats.skipped:
            stats.notes.append(
                f"Only the first {stats.rows_read:,} rows were used: the file holds far more "
                "writing than training needs, so the rest was not read."
            )
    for item in skipped:
        info = FileStats(path=Path(item.display), kind="skipped", skipped=True)
        info.notes.append(item.reason)
        all_stats.append((item.display, info))
    if not builder.examples:
        raise no_usable_rows(all_stats, settings)
    train, heldout = split_heldout(builder.examples, settings.heldout_fraction, seed)
    report = build_report(
        all_stats, builder.examples, heldout, builder.personal, builder.split_long,
        builder.total_tokens, count_tokens is not None, render, settings,
    )  # fmt: skip
    manifest = build_manifest(all_stats, settings, seed, len(train), len(heldout))
    if emitter is not None:
        emitter.emit(Log(message=report.readiness.verdict))
    return PreparedData(train=train, heldout=heldout, manifest=manifest, report=report)
