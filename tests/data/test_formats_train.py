"""The demo model trains on a folder of the new formats, read by `python -m engine train`."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

from engine.contract.events import DataPrepared, Finished, StepProgress, parse_line
from tests.data import makers
from tests.data.conftest import REPO


def test_the_demo_trains_on_a_workbook_a_pdf_an_epub_a_page_and_a_blog(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "my writing"
    folder.mkdir()
    makers.make_xlsx(folder / "captions.xlsx", posts=20)
    makers.make_pdf(folder / "brand book.pdf", chapters=4, paragraphs_per_chapter=2)
    makers.make_epub(folder / "field notes.epub")
    makers.make_html(folder / "roast.html")
    makers.make_wordpress(folder / "blog.xml", posts=6)
    run_dir = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "engine",
        "train",
        "--model",
        "tiny-test",
        "--data",
        str(folder),
    ]
    command += ["--output", str(run_dir), "--max-steps", "4"]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "QUILLORA_CPU_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    events = [parse_line(line) for line in result.stdout.splitlines()]
    prepared = next(e for e in events if isinstance(e, DataPrepared))
    assert prepared.train_examples > 40
    steps = [e for e in events if isinstance(e, StepProgress)]
    assert len(steps) == 4 and all(math.isfinite(e.loss) for e in steps)
    assert isinstance(events[-1], Finished)
    manifest = json.loads((run_dir / "data-manifest.json").read_text(encoding="utf-8"))
    kinds = {entry["path"]: entry["kind"] for entry in manifest["files"]}
    assert kinds == {
        "my writing/blog.xml": "wordpress",
        "my writing/brand book.pdf": "pdf",
        "my writing/captions.xlsx": "xlsx",
        "my writing/field notes.epub": "epub",
        "my writing/roast.html": "html",
    }
    sheet = next(e for e in manifest["files"] if e["kind"] == "xlsx")["sheet"]
    assert sheet == "Posts"
