"""Looking for personal data while reading: counts and masked samples for the preview,
and the redaction the user asked for (DataSettings.redact).

The scanner itself is `engine.data.pii` (scan / redact); this module only collects what it
finds. The values never leave the engine: samples show them masked ("j***@e*****.com").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from engine.contract.data_report import PiiFinding

MAX_SAMPLES = 3
MAX_SOURCES = 5
CONTEXT_CHARS = 30


def mask(value: str) -> str:
    """Keep the first character of each run of letters or digits and the punctuation."""
    out: list[str] = []
    previous_alnum = False
    for ch in value:
        alnum = ch.isalnum()
        out.append("*" if alnum and previous_alnum else ch)
        previous_alnum = alnum
    return "".join(out)


@dataclass
class PersonalData:
    """Scans each piece of text once; counts by kind, keeps a few masked samples."""

    redact_kinds: tuple[str, ...] = ()
    counts: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    def check(self, text: str, source: str) -> tuple[str, Counter[str]]:
        """Record what `text` holds; return it redacted as asked, with the redaction counts."""
        from engine.data.pii import redact, scan

        findings = scan(text)
        if not findings:
            return text, Counter()
        findings.sort(key=lambda f: f.start)
        for index, finding in enumerate(findings):
            kind = finding.kind
            self.counts[kind] += 1
            samples = self.samples.setdefault(kind, [])
            if len(samples) < MAX_SAMPLES:
                samples.append(self._in_context(text, findings, index))
            where = self.sources.setdefault(kind, [])
            if len(where) < MAX_SOURCES and source not in where:
                where.append(source)
        if self.redact_kinds and any(f.kind in self.redact_kinds for f in findings):
            return redact(text, self.redact_kinds)
        return text, Counter()

    @staticmethod
    def _in_context(text: str, findings: list, at: int) -> str:
        """The finding `at` with some text either side; every value in the window masked."""
        start = max(0, findings[at].start - CONTEXT_CHARS)
        end = min(len(text), findings[at].end + CONTEXT_CHARS)
        pieces, cursor = [], start
        for finding in findings:
            if finding.end <= start or finding.start >= end:
                continue
            pieces.append(text[cursor : max(cursor, finding.start)])
            pieces.append(mask(text[max(cursor, finding.start) : min(end, finding.end)]))
            cursor = min(end, finding.end)
        pieces.append(text[cursor:end])
        window = "".join(pieces).replace("\n", " ")
        return ("…" if start else "") + window + ("…" if end < len(text) else "")

    def findings(self) -> tuple[PiiFinding, ...]:
        return tuple(
            PiiFinding(
                kind=kind,
                count=count,
                samples=tuple(self.samples.get(kind, ())),
                sources=tuple(self.sources.get(kind, ())),
                redacted=kind in self.redact_kinds,
            )
            for kind, count in self.counts.most_common()
        )
