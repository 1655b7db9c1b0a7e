"""Precision and recall of the personal-data scanner on the labelled snippets; prints JSON.

    python bench/pii_eval.py [path/to/labelled.jsonl]

Matching is span-level. The headline figures use *overlap* matching: a finding counts as
correct when it overlaps a labelled span of the same kind that no other finding has claimed
(each labelled span is matched at most once). Overlap is what matters for redaction: a
finding that covers most of a phone number still hides it. The stricter *exact* figures
(same kind, same start and end) are reported next to them.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.contract.config import PII_KINDS  # noqa: E402
from engine.data.pii import scan  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "trust" / "data" / "pii_labelled.jsonl"


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def load(path: Path = DEFAULT_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(path: Path = DEFAULT_SET) -> dict:
    """Figures on the whole set, and on the hold-out part alone (never tuned on)."""
    rows = load(path)
    report = score(rows)
    holdout = [row for row in rows if row.get("part") == "holdout"]
    if holdout:
        part = score(holdout)
        report["holdout"] = {"snippets": part["snippets"], "kinds": part["kinds"]}
    report["labelled_set"] = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return report


def score(rows: list[dict]) -> dict:
    """Per-kind precision, recall and counts, plus the examples the scanner got wrong."""
    tp, fp, fn, exact = Counter(), Counter(), Counter(), Counter()
    errors: list[dict] = []
    started = time.perf_counter()
    predictions = [scan(row["text"]) for row in rows]
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
                errors.append({"error": "false_positive", "kind": f.kind, "value": f.value})
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


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SET
    print(json.dumps(evaluate(path), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
