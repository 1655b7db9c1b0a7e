"""The records of a data preparation: the preview report, the manifest, and the readiness
verdict, in plain words for people who are not engineers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from engine.contract.config import DataSettings
from engine.contract.data_report import (
    DROP_DUPLICATE,
    DROP_EMPTY,
    DROP_TOO_LONG,
    DROP_TOO_SHORT,
    DROP_UNREADABLE,
    DataPreview,
    PreviewExample,
    PreviewTurn,
    Readiness,
)
from engine.contract.errors import EngineError, ErrorKind
from engine.data.examples import Example
from engine.data.personal import PersonalData
from engine.data.reading import FileStats

PREVIEW_EXAMPLES = 30
AIM = 50

_REASON_WORDS = {
    DROP_EMPTY: "were empty",
    DROP_TOO_SHORT: "were too short",
    DROP_TOO_LONG: "were too long",
    DROP_DUPLICATE: "repeated another row",
    DROP_UNREADABLE: "could not be read",
}

Stats = Sequence[tuple[str, FileStats]]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def counting(pieces: int, examples: int) -> str:
    """How pieces of writing become training examples, in words a non-expert follows."""
    if examples == pieces or not pieces:
        return ""
    twice = "each piece is" if examples == 2 * pieces else "pieces without a request are"
    return (
        f" They make {_plural(examples, 'training example', 'training examples')}: {twice} "
        "learned twice, as writing and as the answer to a request."
    )


def verdict(pieces: int, examples: int | None = None) -> tuple[str, str]:
    """(level, sentence) for the number of distinct pieces of writing (and the examples)."""
    count = _plural(pieces, "piece", "pieces") + " of writing"
    then = counting(pieces, pieces if examples is None else examples)
    if pieces == 0:
        return "none", "There is nothing to learn from yet."
    if pieces < 10:
        return "too_few", (
            f"Only {count}: the model will barely change. Aim for at least {AIM} pieces of "
            f"writing.{then}"
        )
    if pieces < AIM:
        return "few", (
            f"{count}: enough for a first try. Aim for at least {AIM} pieces of writing for a "
            f"voice that sticks.{then}"
        )
    return "good", f"{count}: a good amount to learn your voice from.{then}"


def _readiness(
    stats: Stats,
    examples: list[Example],
    heldout: list[Example],
    personal: PersonalData,
    split_long: int,
    total_tokens: int,
    counted: bool,
    settings: DataSettings,
) -> Readiness:
    dropped: Counter[str] = Counter()
    for _, file_stats in stats:
        dropped.update(file_stats.dropped)
    pieces = len({e.response for e in examples})
    level, sentence = verdict(pieces, len(examples))
    warnings: list[str] = []
    if not heldout:
        warnings.append(
            "With fewer than 5 examples nothing can be kept aside, so Quillora cannot check "
            "the model on writing it has not seen."
            if len(examples) < 5
            else "No examples are kept aside, so the model cannot be checked on unseen writing."
        )
    for display, file_stats in stats:
        if file_stats.kind in ("csv", "jsonl") and file_stats.rows_kept == 1:
            warnings.append(f"'{display}' has only one usable row.")
    if any(s.truncated for _, s in stats):
        warnings.append(
            "Some files held far more than training needs; only the first part was used."
        )
    if dropped[DROP_DUPLICATE]:
        warnings.append(
            f"{_plural(dropped[DROP_DUPLICATE], 'row', 'rows')} repeated another and were left out."
        )
    if dropped[DROP_TOO_SHORT]:
        warnings.append(
            f"{_plural(dropped[DROP_TOO_SHORT], 'row was', 'rows were')} shorter than "
            f"{settings.min_example_chars} characters and left out."
        )
    if dropped[DROP_TOO_LONG]:
        warnings.append(
            f"{_plural(dropped[DROP_TOO_LONG], 'answer was', 'answers were')} too long for one "
            f"example (over {settings.max_example_tokens:,} tokens) and left out."
        )
    if split_long:
        warnings.append(
            f"{_plural(split_long, 'long piece was', 'long pieces were')} split at paragraph breaks."
        )
    unredacted = [k for k in personal.counts if k not in settings.redact]
    if unredacted:
        warnings.append("Possible personal data found; consider redacting it before training.")
    prose = sum(1 for e in examples if e.prompt is None)
    return Readiness(
        examples=len(examples),
        train_examples=len(examples) - len(heldout),
        heldout_examples=len(heldout),
        prose_examples=prose,
        answer_examples=len(examples) - prose,
        duplicates=dropped[DROP_DUPLICATE],
        empty=dropped[DROP_EMPTY],
        too_short=dropped[DROP_TOO_SHORT],
        too_long=dropped[DROP_TOO_LONG],
        split_long=split_long,
        total_tokens=total_tokens,
        tokens_estimated=not counted,
        pieces=pieces,
        level=level,  # type: ignore[arg-type]
        verdict=sentence,
        warnings=tuple(warnings),
    )


def build_report(
    stats: Stats,
    examples: list[Example],
    heldout: list[Example],
    personal: PersonalData,
    split_long: int,
    total_tokens: int,
    counted: bool,
    render: Callable[[Example], str] | None,
    settings: DataSettings,
    model: str = "",
) -> DataPreview:
    held = {id(e) for e in heldout}
    preview = tuple(
        PreviewExample(
            response=e.response,
            prompt=e.prompt,
            system=e.system,
            source=e.source,
            rendered=render(e) if render is not None else "",
            heldout=id(e) in held,
            turns=tuple(PreviewTurn(role, text) for role, text in e.history),
        )
        for e in examples[:PREVIEW_EXAMPLES]
    )
    mapping = next((s.mapping for _, s in stats if s.mapping is not None), None)
    notes = tuple(f"{display}: {note}" for display, s in stats for note in s.notes)
    return DataPreview(
        files=tuple(s.to_info(display) for display, s in stats),
        readiness=_readiness(
            stats, examples, heldout, personal, split_long, total_tokens, counted, settings
        ),
        mapping=mapping,
        preview=preview,
        pii=personal.findings(),
        pii_rows_checked=personal.rows_checked,
        pii_rows_total=personal.rows_total,
        model=model,
        truncated=any(s.truncated for _, s in stats),
        notes=notes,
    )


def build_manifest(
    stats: Stats, settings: DataSettings, seed: int, train: int, heldout: int
) -> dict[str, Any]:
    """data-manifest.json: what was read, kept, dropped and redacted; never the text itself."""
    return {
        "version": 1,
        "rights": settings.rights,
        "seed": seed,
        "settings": {
            "format": settings.format,
            "heldout_fraction": settings.heldout_fraction,
            "max_example_tokens": settings.max_example_tokens,
            "min_example_chars": settings.min_example_chars,
            "drop_duplicates": settings.drop_duplicates,
            "redact": list(settings.redact),
            # How many, not which: a byline marked "not personal" still names a person.
            "not_personal_count": len(settings.not_personal),
        },
        "train_examples": train,
        "heldout_examples": heldout,
        "files": [s.to_manifest(display, settings.rights) for display, s in stats],
    }


def no_usable_rows(stats: Stats, settings: DataSettings) -> EngineError:
    """NO_USABLE_ROWS with the reasons every row (or file) was left out."""
    dropped: Counter[str] = Counter()
    for _, file_stats in stats:
        dropped.update(file_stats.dropped)
    notes = [f"{display}: {note}" for display, s in stats for note in s.notes]
    if dropped:
        reasons = ", ".join(
            f"{n:,} {_REASON_WORDS.get(reason, reason)}" for reason, n in dropped.most_common()
        )
        message = f"None of the rows in your data can be used: {reasons}."
        if dropped[DROP_TOO_SHORT]:
            message += f" Rows need at least {settings.min_example_chars} characters."
        if dropped[DROP_UNREADABLE]:
            message += (
                " A JSONL file needs one JSON object per line, such as "
                '{"prompt": "...", "completion": "..."} or {"text": "..."}.'
            )
    elif notes:
        message = (
            "None of the files could be used. Quillora reads CSV, JSONL, .txt, .md and .docx "
            "files; see the details for why each file was left out."
        )
    else:
        message = "Your data holds no writing Quillora can learn from."
    return EngineError(ErrorKind.NO_USABLE_ROWS, message, detail="\n".join(notes))
