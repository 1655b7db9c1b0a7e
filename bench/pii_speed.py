"""How long the personal-data scan takes on 50,000 rows, as the Data step runs it; prints JSON.

    python bench/pii_speed.py [ROWS] [REPEATS]

The rows cycle through the snippets of both labelled sets (short marketing texts, 20 to 300
characters); the scan keeps no cache, so repeating a snippet costs as much as a new one. Every row goes through
`PersonalData.check_row` with redaction of every kind on, so every row is scanned (without
redaction the preview stops after its first megabytes). The machine is shared, so the scan
runs several times and the fastest and median times are reported.
"""

from __future__ import annotations

import json
import os
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
    return [texts[i % len(texts)] for i in range(count)]


def scan_all(texts: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the CPU time is what the scan itself cost, whatever else
    the shared machine was doing)."""
    personal = PersonalData(redact_kinds=tuple(PII_KINDS))
    started, cpu = time.perf_counter(), time.process_time()
    for i, text in enumerate(texts):
        personal.check_row([text, "", ""], f"rows.csv:{i + 2}")
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    texts = rows(count)
    started = time.perf_counter()
    scan_all(texts[:1])  # the first row pays for loading the name lists
    first_row = time.perf_counter() - started
    runs = [scan_all(texts) for _ in range(repeats)]
    seconds = [wall for wall, _ in runs]
    cpu = [cpu for _, cpu in runs]
    print(
        json.dumps(
            {
                "rows": count,
                "chars": sum(map(len, texts)),
                "first_row_seconds": round(first_row, 3),
                "seconds": [round(s, 3) for s in seconds],
                "fastest_seconds": round(min(seconds), 3),
                "median_seconds": round(statistics.median(seconds), 3),
                "cpu_seconds": [round(c, 3) for c in cpu],
                "load_average": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
