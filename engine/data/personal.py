"""Looking for personal data while reading: counts and masked samples for the preview,
and the redaction the user asked for (DataSettings.redact).

The scanner itself is `engine.data.pii` (scan, redact); this module collects what it finds
and hands only the texts holding a kind to redact on to `redact`. Scanning costs
far more than reading, so without redaction only the first rows (up to SCAN_CHARS of text)
are checked for the preview; with redaction every row is. The values never leave the
engine: samples show them masked ("j***@e******.c**"), each with the reason it was taken.
The one exception is names: the few most frequent ones are reported as written, so the user
can mark one "not personal" (their brand, their own byline); words so marked
(DataSettings.not_personal) are left alone in every row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from engine.contract.data_report import PiiFinding
from engine.data.names import NameMemory

MAX_SAMPLES = 3
MAX_WORDS = 8  # names reported as written, for marking "not personal"
MAX_SOURCES = 5
CONTEXT_CHARS = 30
SCAN_CHARS = 2_000_000
_NOTHING: Counter[str] = Counter()  # shared, never changed: "nothing redacted"


def mask(value: str) -> str:
    """Keep the first character of each run of letters or digits and the punctuation."""
    out: list[str] = []
    previous_alnum = False
    for ch in value:
        alnum = ch.isalnum()
        out.append("*" if alnum and previous_alnum else ch)
        previous_alnum = alnum
    return "".join(out)


def _in_context(text: str, findings: list[Any], at: int) -> str:
    """Finding `at` with some text either side; every value in that window masked."""
    start = max(0, findings[at].start - CONTEXT_CHARS)
    end = min(len(text), findings[at].end + CONTEXT_CHARS)
    pieces, cursor = [], start
    for finding in findings:
        if finding.end <= start or finding.start >= end:
            continue
        pieces.append(text[cursor : max(cursor, finding.start)])
        pieces.append(mask(text[max(cursor, finding.start) : min(end, finding.end)]))
        cursor = max(cursor, min(end, finding.end))
    pieces.append(text[cursor:end])
    window = "".join(pieces).replace("\n", " ")
    return ("…" if start else "") + window + ("…" if end < len(text) else "")


@dataclass
class PersonalData:
    """Scans rows once each; counts by kind, keeps a few masked samples, redacts as asked."""

    redact_kinds: tuple[str, ...] = ()
    not_personal: tuple[str, ...] = ()
    scan_chars: int = SCAN_CHARS
    counts: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    names_found: Counter[str] = field(default_factory=Counter)
    sources: dict[str, list[str]] = field(default_factory=dict)
    rows_checked: int = 0
    rows_total: int = 0
    chars_scanned: int = 0
    # What the name detector learns from row to row (products, everyday words), seeded with
    # the words the user marked as not personal.
    names: NameMemory = field(init=False)

    def __post_init__(self) -> None:
        self.names = NameMemory.marked(self.not_personal)

    def check_row(self, texts: list[str], source: str) -> tuple[list[str], Counter[str]]:
        """The row's texts, redacted as asked, and how many of each kind were replaced."""
        self.rows_total += 1
        if not self.redact_kinds and self.chars_scanned >= self.scan_chars:
            return texts, _NOTHING
        from engine.data.pii import scan

        self.rows_checked += 1
        out: list[str] = []
        redacted: Counter[str] = Counter()
        for text in texts:
            if not text:
                out.append(text)
                continue
            self.chars_scanned += len(text)
            findings = scan(text, names=self.names)
            self._record(text, findings, source)
            out.append(self._redact(text, findings, redacted))
        return out, redacted

    def _record(self, text: str, findings: list[Any], source: str) -> None:
        for index, finding in enumerate(findings):
            kind = finding.kind
            self.counts[kind] += 1
            samples = self.samples.setdefault(kind, [])
            if len(samples) < MAX_SAMPLES:
                samples.append(_in_context(text, findings, index))
                self.reasons.setdefault(kind, []).append(finding.reason)
            if kind == "name" and (
                finding.value in self.names_found or len(self.names_found) < 1000
            ):
                self.names_found[finding.value] += 1
            where = self.sources.setdefault(kind, [])
            if len(where) < MAX_SOURCES and source not in where:
                where.append(source)

    def _redact(self, text: str, findings: list[Any], counts: Counter[str]) -> str:
        # Most rows hold nothing to redact; only those that do are handed to pii.redact.
        if not any(f.kind in self.redact_kinds for f in findings):
            return text
        from engine.data.pii import redact

        text, replaced = redact(text, self.redact_kinds, findings)
        counts.update(replaced)
        return text

    def findings(self) -> tuple[PiiFinding, ...]:
        return tuple(
            PiiFinding(
                kind=kind,
                count=count,
                samples=tuple(self.samples.get(kind, ())),
                reasons=tuple(self.reasons.get(kind, ())),
                words=tuple(w for w, _ in self.names_found.most_common(MAX_WORDS))
                if kind == "name"
                else (),
                sources=tuple(self.sources.get(kind, ())),
                redacted=kind in self.redact_kinds,
            )
            for kind, count in self.counts.most_common()
        )
