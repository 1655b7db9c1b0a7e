"""Large inputs: a 50,000-row CSV must prepare quickly, and a ~300 MB file must be read with
bounded memory (only up to the read cap). Figures are printed for the record."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.data.conftest import REPO, prepare

_WORDS = "kettle harbour fog smoky tea slow leaves honest brew cup window boats gulls warm bright"
WORDS = [*_WORDS.split(" "), "quiet", "morning", "spice", "oolong", "Barnaby", "steep", "tin"]


def test_fifty_thousand_rows_prepare_well_under_30_seconds(tmp_path: Path) -> None:
    rng = random.Random(1)
    path = tmp_path / "50k.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for i in range(50_000):
            text = " ".join(rng.choices(WORDS, k=rng.randint(15, 90))).capitalize() + "."
            if i % 50 == 0:
                text += f" Questions? Write to crew{i}@example.com or call 020 7946 {i % 9999:04d}."
            writer.writerow([f"Write post {i} about {rng.choice(WORDS)}", text])
    start, cpu = time.perf_counter(), time.process_time()
    prepared = prepare(path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    size = path.stat().st_size / 1e6
    print(f"\n50,000-row CSV ({size:.1f} MB): prepared in {seconds:.2f} s ({cpu:.2f} s CPU)")
    assert len(prepared.train) + len(prepared.heldout) == 50_000
    assert seconds < 30


SCRIPT = """
import json, resource, sys, time
from engine.contract.config import DataSettings
from engine.data.prepare import prepare_examples
def peak_mb():
    # Linux: VmHWM is this program's own peak; ru_maxrss also counts the parent's memory at
    # the fork (a pytest process that loaded torch made this figure 600+ MB).
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)
start, cpu = time.perf_counter(), time.process_time()
prepared = prepare_examples(DataSettings(sources=(sys.argv[1],)))
info = prepared.report.files[0]
print(json.dumps({
    "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
    "peak_rss_mb": peak_mb(),
    "rows_read": info.rows_read, "truncated": prepared.report.truncated,
    "examples": len(prepared.train) + len(prepared.heldout), "notes": info.notes,
}))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX-only")
def test_a_300_mb_file_is_read_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    line = ("The harbour was quiet and the kettle was on, slow leaves, honest cups, " * 5)[:290]
    try:
        with path.open("w", encoding="utf-8") as handle:
            handle.write("text\n")
            n = 0
            while handle.tell() < 300 * 1024 * 1024:
                handle.write("".join(f'"{j} {line}"\n' for j in range(n, n + 10_000)))
                n += 10_000
        size_mb = path.stat().st_size / 1e6
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(path)],
            cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    finally:
        path.unlink(missing_ok=True)
    figures = json.loads(result.stdout.splitlines()[-1])
    print(f"\n{size_mb:.0f} MB CSV: {json.dumps(figures)}")
    assert figures["truncated"] and figures["rows_read"] == 200_000
    assert "rest was not read" in figures["notes"][0]
    assert figures["peak_rss_mb"] < 600
    assert figures["seconds"] < 60
