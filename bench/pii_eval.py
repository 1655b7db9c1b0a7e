"""Precision and recall of the personal-data scanner on the labelled snippets; prints JSON.

    python bench/pii_eval.py [path/to/labelled.jsonl | path/to/marked-up.txt ...]

With no path it measures both sets: the old one the regular expressions were tuned on
(tests/trust/data/pii_labelled.jsonl) and the fresh one written for names in running text
(tests/trust/data/pii_fresh.txt, marked up as `[[Priya Raman]]` or `[[email:a@b.com]]`).

Matching is span-level. The headline figures use *overlap* matching: a finding counts as
correct when it overlaps a labelled span of the same kind that no other finding has claimed
(each labelled span is matched at most once). Overlap is what matters for redaction: a
finding that covers most of a phone number still hides it. The stricter *exact* figures
(same kind, same start and end) are reported next to them.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.contract.config import PII_KINDS  # noqa: E402
from engine.data.names import NameMemory  # noqa: E402
from engine.data.pii import scan  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "trust" / "data" / "pii_labelled.jsonl"
FRESH_SET = ROOT / "tests" / "trust" / "data" / "pii_fresh.txt"
_MARK = re.compile(r"\[\[(?:(email|phone|card|iban|ip|url_token|address):)?(.+?)\]\]")


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def load(path: Path = DEFAULT_SET) -> list[dict]:
    if path.suffix == ".txt":
        return load_marked(path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_marked(path: Path) -> list[dict]:
    """Snippets written one a line with their personal data marked up in place.

    `[[Priya Raman]]` is a name, `[[email:a@b.com]]` another kind; `## part: NAME` starts a
    part (dev, test); other lines starting with `#` are comments.
    """
    rows: list[dict] = []
    part = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## part:"):
            part = line.split(":", 1)[1].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        text, spans, cursor = [], [], 0
        length = 0
        for m in _MARK.finditer(line):
            plain = line[cursor : m.start()]
            text.append(plain)
            length += len(plain)
            value = m.group(2)
            spans.append(
                {"kind": m.group(1) or "name", "start": length, "end": length + len(value)}
            )
            text.append(value)
            length += len(value)
            cursor = m.end()
        text.append(line[cursor:])
        rows.append({"text": "".join(text), "spans": spans, "part": part})
    return rows


def evaluate(path: Path = DEFAULT_SET) -> dict:
    """Figures on the whole set, and on each part alone (the old set's hold-out, the fresh
    set's dev and test parts)."""
    rows = load(path)
    report = score(rows)
    for name in sorted({row.get("part", "") for row in rows} - {""}):
        part = score([row for row in rows if row.get("part") == name])
        report[name] = {"snippets": part["snippets"], "kinds": part["kinds"]}
    report["labelled_set"] = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return report


def score(rows: list[dict]) -> dict:
    """Per-kind precision, recall and counts, plus the examples the scanner got wrong."""
    tp, fp, fn, exact = Counter(), Counter(), Counter(), Counter()
    errors: list[dict] = []
    started = time.perf_counter()
    # One memory for the whole set, as the Data step keeps one for all the rows of its files.
    memory = NameMemory()
    predictions = [scan(row["text"], names=memory) for row in rows]
    seconds = time.perf_counter() - started
    for row, found in zip(rows, predictions, strict=True):
        gold = [(s["kind"], s["start"], s["end"]) for s in row["spans"]]
        claimed: set[int] = set()
        for f in found:
            match = next(
                (
                    i
                    for i, (kind, start, end) in enumerate(gold)
                    if i not in claimed and kind == f.kind and f.start < end and start < f.end
                ),
                None,
            )
            if match is None:
                fp[f.kind] += 1
                errors.append(
                    {
                        "error": "false_positive",
                        "kind": f.kind,
                        "value": f.value,
                        "reason": f.reason,
                    }
                )
                continue
            claimed.add(match)
            tp[f.kind] += 1
            if (gold[match][1], gold[match][2]) == (f.start, f.end):
                exact[f.kind] += 1
        for i, (kind, start, end) in enumerate(gold):
            if i not in claimed:
                fn[kind] += 1
                errors.append({"error": "missed", "kind": kind, "value": row["text"][start:end]})
    kinds = {}
    for kind in PII_KINDS:
        support = tp[kind] + fn[kind]
        kinds[kind] = {
            "precision": _ratio(tp[kind], tp[kind] + fp[kind]),
            "recall": _ratio(tp[kind], support),
            "exact_precision": _ratio(exact[kind], tp[kind] + fp[kind]),
            "exact_recall": _ratio(exact[kind], support),
            "support": support,
            "true_positives": tp[kind],
            "false_positives": fp[kind],
            "missed": fn[kind],
        }
    return {
        "snippets": len(rows),
        "negative_snippets": sum(1 for row in rows if not row["spans"]),
        "matching": "overlap (exact start/end reported as exact_*)",
        "scan_seconds": round(seconds, 3),
        "kinds": kinds,
        "errors": errors,
    }


def table(report: dict, part: str | None = None) -> str:
    """A plain per-kind table (precision, recall, support) of a whole set or one part."""
    kinds = report[part]["kinds"] if part else report["kinds"]
    lines = [f"{'kind':10} {'precision':>9} {'recall':>7} {'support':>7}"]
    for kind, figures in kinds.items():
        p, r = figures["precision"], figures["recall"]
        lines.append(
            f"{kind:10} {'-' if p is None else f'{p:.3f}':>9} "
            f"{'-' if r is None else f'{r:.3f}':>7} {figures['support']:>7}"
        )
    return "\n".join(lines)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--table"]
    paths = [Path(a) for a in args] or [DEFAULT_SET, FRESH_SET]
    reports = [evaluate(path) for path in paths]
    if "--table" not in sys.argv:
        print(json.dumps(reports[0] if args else reports, indent=2, ensure_ascii=False))
        return
    for report in reports:
        parts = [p for p in ("holdout", "dev", "test") if p in report]
        for part in [None, *parts]:
            title = report["labelled_set"] + (f" ({part} part)" if part else " (all)")
            snippets = report[part]["snippets"] if part else report["snippets"]
            print(f"\n{title}: {snippets} snippets\n{table(report, part)}")


if __name__ == "__main__":
    main()
