"""Train more and Compare runs on the Runs step: a continued run's lineage, the button that
starts another, and finished runs side by side."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton

from engine.contract.config import RunConfig
from engine.train.lineage import Parent, lineage_record
from gui.steps.runs.compare import comparison_rows
from gui.steps.runs.detail import RunDetail
from gui.steps.runs.page import RunsPage
from gui.steps.runs.report import load_report
from tests.gui.steps.runs.test_detail import make_run


def _continued(root: Path, parent: Path, name: str) -> Path:
    """`make_run`'s run, recorded as continued from `parent` by the engine's own writer."""
    child = make_run(root, name)
    record = json.loads((child / "run.json").read_text(encoding="utf-8"))
    parent_record = json.loads((parent / "run.json").read_text(encoding="utf-8"))
    parent_record["created"] = "2026-11-20T09:00:00+0000"
    parent_record["config"]["name"] = "Product copy"
    config = RunConfig.from_dict({"model": {"name": "demo"}, "name": "Product copy"})
    record["parent"] = lineage_record(Parent(parent, parent_record, config))
    record["created"] = "2026-11-22T10:30:00+0000"
    (child / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (child / "adapter").mkdir()
    return child


def test_a_continued_run_shows_where_it_comes_from(qtbot, tmp_path: Path) -> None:
    parent = make_run(tmp_path, "20261120-090000-demo")
    child = _continued(tmp_path, parent, "20261122-103000-demo")
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(child)

    oldest, this = (label.text() for label in view.lineage_rows)
    assert "Product copy" in oldest and "2026-11-20 09:00" in oldest
    assert "4 steps" in oldest and "90 examples from 1 file(s)" in oldest
    assert this.startswith("<b>This run</b>") and "2026-11-22 10:30" in this

    asked: list[Path] = []
    view.sig_train_more_requested.connect(asked.append)
    assert view.train_more_button is not None
    view.train_more_button.click()
    assert asked == [child]

    opened = [b for b in view.findChildren(QPushButton) if b.text() == "Open"]
    opened[0].click()  # the earlier run is still on this computer: its own page opens
    assert view.run_dir == parent
    assert view.report is not None and view.report.lineage == []


def test_a_deleted_parent_is_said_plainly(qtbot, tmp_path: Path) -> None:
    parent = make_run(tmp_path, "20261120-090000-demo")
    child = _continued(tmp_path, parent, "20261122-103000-demo")
    (parent / "run.json").unlink()
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(child)
    texts = [label.text() for label in view.findChildren(QLabel)]
    assert "no longer on this computer" in texts


def test_finished_runs_side_by_side(qtbot, _private_data_dir: Path) -> None:
    runs = _private_data_dir / "runs"
    first = make_run(runs, "20261120-090000-demo")
    second = _continued(runs, first, "20261122-103000-demo")
    evaluation = json.loads((second / "evaluation.json").read_text(encoding="utf-8"))
    evaluation["perplexity"]["tuned"]["perplexity"] = 11.5
    evaluation["style"]["tuned"]["score"] = 0.52
    (second / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")

    page = RunsPage()
    qtbot.addWidget(page)
    page.refresh()
    assert not page.compare_button.isEnabled()
    page.set_compared(first, True)
    assert not page.compare_button.isEnabled()  # one run is nothing to compare
    page.set_compared(second, True)
    assert page.compare_button.isEnabled() and page.compare_button.text() == "Compare runs (2)"
    page.compare_button.click()
    assert page.stack.currentWidget() is page.comparison

    cells = page.comparison.cells
    perplexity = "Held-out perplexity (lower is better)"
    style = "Style score (0 to 1, higher is closer)"
    assert cells[(perplexity, 0)].text() == "14.0 (original 27.1)"
    assert cells[(perplexity, 1)].text() == "11.5 (original 27.1)"
    assert "font-weight: 600" in cells[(perplexity, 1)].styleSheet()  # the lower one
    assert "font-weight: 600" in cells[(style, 0)].styleSheet()  # 0.58 beats 0.52
    assert cells[("Started from", 0)].text() == "a fresh adapter"
    assert cells[("Started from", 1)].text() == "Product copy (2026-11-20 09:00)"
    assert cells[("Examples for training", 0)].text() == "90"
    assert cells[("Blind test: picked the tuned answer", 0)].text() == "not taken"


def test_one_measured_run_is_not_called_the_best(tmp_path: Path) -> None:
    measured = load_report(make_run(tmp_path, "a"))
    unmeasured = load_report(make_run(tmp_path, "b", results=False))
    rows = {row.label: row for row in comparison_rows([measured, unmeasured])}
    assert rows["Held-out perplexity (lower is better)"].values[1] == "not measured"
    assert rows["Held-out perplexity (lower is better)"].best == set()
