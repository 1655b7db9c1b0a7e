"""How long the personal-data scan takes on 50,000 rows, as the Data step runs it; prints JSON.

    python bench/pii_speed.py [ROWS] [REPEATS]

The rows cycle through the snippets of both labelled sets (short marketing texts, 20 to 300
characters), each given its own row number so no two rows are equal. Every row goes through
`PersonalData.check_row` with redaction of every kind on, so every row is scanned (without
redaction the preview stops after its first megabytes). The machine is shared, so the scan
runs several times and the fastest and median times are reported.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pii_eval import DEFAULT_SET, FRESH_SET, load  # noqa: E402
from engine.contract.config import PII_KINDS  # noqa: E402
from engine.data.personal import PersonalData  # noqa: E402


def rows(count: int) -> list[str]:
    texts = [row["text"] for path in (DEFAULT_SET, FRESH_SET) for row in load(path)]
    return [f"{texts[i % len(texts)]} (#{i})" for i in range(count)]


def scan_all(texts: list[str]) -> float:
    personal = PersonalData(redact_kinds=tuple(PII_KINDS))
    started = time.perf_counter()
    for i, text in enumerate(texts):
        personal.check_row([text, "", ""], f"rows.csv:{i + 2}")
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    texts = rows(count)
    started = time.perf_counter()
    scan_all(texts[:1])  # the first row pays for loading the name lists
    first_row = time.perf_counter() - started
    seconds = [scan_all(texts) for _ in range(repeats)]
    print(
        json.dumps(
            {
                "rows": count,
                "chars": sum(map(len, texts)),
                "first_row_seconds": round(first_row, 3),
                "seconds": [round(s, 3) for s in seconds],
                "fastest_seconds": round(min(seconds), 3),
                "median_seconds": round(statistics.median(seconds), 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
