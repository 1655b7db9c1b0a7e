"""`python -m engine data` as the GUI runs it: JSON lines out, a data_preview report or a
typed failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.contract.data_report import DataPreview
from engine.contract.events import Failed, Report, parse_line
from tests.data.conftest import REPO, SAMPLES


def run_engine(*args: str, env: dict[str, str] | None = None) -> list:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "data", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return [parse_line(line) for line in result.stdout.splitlines() if line.strip()]


def test_preview_of_the_samples_with_chosen_columns(tmp_path: Path) -> None:
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"data": {"heldout_fraction": 0.2}}), encoding="utf-8")
    events = run_engine(
        "--data", str(SAMPLES / "brand_voice.csv"), str(SAMPLES / "prose"),
        "--text-column", "text", "--prompt-column", "prompt", "--config", str(config),
    )  # fmt: skip
    report = events[-1]
    assert isinstance(report, Report) and report.name == "data_preview"
    preview = DataPreview.from_dict(report.body)
    assert preview.mapping is not None and not preview.mapping.guessed
    assert 0.15 < preview.readiness.heldout_examples / preview.readiness.examples < 0.25
    assert preview.model == "" and preview.preview[0].rendered == ""


def test_bad_file_becomes_a_typed_failed_event(tmp_path: Path) -> None:
    bad = tmp_path / "header.csv"
    bad.write_text("prompt,text\n", encoding="utf-8")
    events = run_engine("--data", str(bad))
    assert isinstance(events[-1], Failed) and events[-1].kind.value == "no_usable_rows"


def test_with_the_tiny_test_model_the_exact_training_text_is_shown(tmp_path: Path) -> None:
    events = run_engine(
        "--data", str(SAMPLES / "prose" / "our-story.md"), "--model", "tiny-test",
        env={"QUILLORA_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    preview = DataPreview.from_dict(events[-1].body)
    assert preview.model == "tiny-test" and not preview.readiness.tokens_estimated
    answer = next(p for p in preview.preview if p.prompt)
    assert answer.prompt in answer.rendered and answer.response in answer.rendered
    prose = next(p for p in preview.preview if p.prompt is None)
    assert prose.rendered.startswith(prose.response)


def test_a_table_without_a_writing_column_offers_its_columns(tmp_path: Path) -> None:
    # It used to fail with "choose the writing column on the data step", with nothing to choose.
    table = tmp_path / "stock.csv"
    rows = [f"SKU{i},{i * 1.5},{i},red" for i in range(30)]
    table.write_text("sku,price,qty,colour\n" + "\n".join(rows) + "\n", encoding="utf-8")
    preview = DataPreview.from_dict(run_engine("--data", str(table))[-1].body)
    assert preview.mapping is not None and preview.mapping.text == ""
    assert preview.mapping.columns == ("sku", "price", "qty", "colour")
    assert preview.readiness.level == "none" and preview.readiness.examples == 0
    assert "Choose the column of 'stock.csv'" in preview.readiness.verdict
