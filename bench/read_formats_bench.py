"""Time reading a 300-page PDF and a 2,000-post WordPress export, as the Data step does.

Each file is made with the formats' writers (tests/data/makers.py), then read twice: in this
process through engine.data.prepare.prepare_examples (wall time, peak memory growth), and
end to end through `python -m engine data` (the command the data page runs; includes the
engine's start-up). Prints JSON; the target is under 30 s each on 2 CPU cores.

    python bench/read_formats_bench.py [--pages 300] [--posts 2000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.contract.config import DataSettings  # noqa: E402
from engine.data.prepare import prepare_examples  # noqa: E402
from tests.data import makers  # noqa: E402
from tests.reliability.bounds import measure  # noqa: E402


def _pdf_of(pages: int, folder: Path) -> Path:
    """A brand book of about `pages` pages: 8-page chapters of 4-sentence paragraphs."""
    chapters = max(1, round(pages / 8))  # 68 paragraphs fill 8 pages
    path = makers.make_pdf(folder / "brand-book.pdf", chapters=chapters, paragraphs_per_chapter=68)
    return path


def _time_file(path: Path) -> dict[str, Any]:
    measured = measure(lambda: prepare_examples(DataSettings(sources=(str(path),))))
    if measured.error is not None:
        raise SystemExit(f"{path.name}: {measured.error.message}")
    report = measured.result.report
    started = time.perf_counter()
    command = subprocess.run(
        [sys.executable, "-m", "engine", "data", "--data", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    command_seconds = time.perf_counter() - started
    return {
        "file": path.name,
        "size_mb": round(path.stat().st_size / 2**20, 2),
        "prepare_seconds": round(measured.seconds, 2),
        "peak_rss_delta_mb": round(measured.peak_rss_delta_mb, 1),
        "engine_data_command_seconds": round(command_seconds, 2),
        "engine_data_command_ok": command.returncode == 0 and '"data_preview"' in command.stdout,
        "pieces": report.readiness.pieces,
        "examples": report.readiness.examples,
        "notes": list(report.files[0].notes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as folder:
        pdf = _pdf_of(args.pages, Path(folder))
        blog = makers.make_wordpress(
            Path(folder) / "blog.WordPress.xml", posts=args.posts, pages=20, drafts=30,
            paragraphs_per_post=8,
        )  # fmt: skip
        load_before = os.getloadavg()
        result = {
            "cpus": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else None,
            "load_average_before": [round(x, 2) for x in load_before],
            "pdf": {"pages": len(PdfReader(pdf).pages), **_time_file(pdf)},
            "wordpress": {"posts": args.posts, **_time_file(blog)},
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "target_seconds": 30,
        }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
