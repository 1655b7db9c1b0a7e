"""A run's page on the Runs step: the figures it shows come from the run folder's files."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from engine.contract.ab_test import ABTest
from gui.steps.runs.detail import RunDetail
from gui.steps.runs.page import RunsPage, _ClickableCard

ROOT = Path(__file__).resolve().parents[4]


def _texts(widget) -> str:
    return "\n".join(
        label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)
    )


def _write(path: Path, value: object) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def _event(kind: str, time: float, **fields: object) -> str:
    return json.dumps({"v": 1, "type": kind, "time": time, **fields})


def make_run(root: Path, name: str = "20261120-090000-demo", *, results: bool = True) -> Path:
    """A finished run folder written by hand, with or without its results files."""
    run = root / name
    run.mkdir(parents=True)
    config = {
        "model": {"name": "demo"},
        "data": {"sources": ["/home/sam/brand_voice.csv"], "rights": "have_permission"},
        "lora": {"rank": 8, "alpha": 16},
        "training": {
            "dial": "closer",
            "epochs": 3.0,
            "learning_rate": 0.0003,
            "sequence_length": 768,
        },
    }
    _write(run / "run.json", {"config": config, "result": {"steps": 4}})
    lines = [_event("run_started", 1795600000, run_dir=str(run), model="demo", device="cpu")]
    for step in range(1, 5):
        lines.append(
            _event(
                "step_progress",
                1795600000 + step,
                step=step,
                total_steps=4,
                loss=3.0 - 0.2 * step,
                learning_rate=3e-4,
                tokens_per_second=900.0,
                memory_gib=0.4,
                eta_seconds=1.0,
            )
        )
    lines.append(
        _event(
            "evaluation",
            1795600005,
            step=4,
            heldout_loss=2.6,
            best_loss=2.6,
            improved=True,
            patience_left=3,
        )
    )
    lines.append(
        _event(
            "finished",
            1795600006,
            run_dir=str(run),
            adapter_dir=str(run / "adapter"),
            steps=4,
            final_loss=2.2,
            best_heldout_loss=2.6,
            seconds=6.0,
        )
    )
    (run / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if results:
        manifest = {
            "rights": "i_wrote_it",
            "settings": {"redact": ["email", "phone"]},
            "train_examples": 90,
            "heldout_examples": 10,
            "files": [
                {
                    "kind": "csv",
                    "redactions": {"email": 5, "phone": 1},
                    "rows_dropped": {"duplicate": 2},
                }
            ],
        }
        _write(run / "data-manifest.json", manifest)
        evaluation = {
            "heldout_examples": 10,
            "perplexity": {
                "base": {"loss": 3.3, "perplexity": 27.11},
                "tuned": {"loss": 2.64, "perplexity": 14.01},
            },
            "style": {"base": {"score": 0.31}, "tuned": {"score": 0.58}},
            "summary": ["It sounds closer to your writing: style score 0.58 versus 0.31."],
        }
        _write(run / "evaluation.json", evaluation)
        (run / "model-card.md").write_text(
            "---\nlibrary_name: peft\n---\n# Quillora style adapter\n\n## Evaluation\n\nGood.\n",
            encoding="utf-8",
        )
    return run


def test_figures_match_the_files(qtbot, tmp_path: Path):
    run = make_run(tmp_path)
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    assert [label.text() for label in view.figures["Perplexity"]] == ["27.1", "14.0"]
    assert [label.text() for label in view.figures["Held-out loss"]] == ["3.30", "2.64"]
    assert [label.text() for label in view.figures["Style score"]] == ["0.31", "0.58"]
    text = _texts(view)
    assert "It sounds closer to your writing: style score 0.58 versus 0.31." in text
    assert "90 for training, 10 kept aside to check" in text
    assert "I wrote this" in text  # the manifest's answer wins over the configuration's
    assert "email addresses: 5, phone numbers: 1" in text
    assert "2 duplicate" in text
    for shown in ("Closer", "8", "0.0003", "3", "768 tokens", "brand_voice.csv"):
        assert shown in text.split("\n"), shown
    assert "Not taken yet" in view.ab_label.text()
    assert view.chart.steps == [1, 2, 3, 4]
    assert view.chart.heldout_losses == [2.6]
    assert view.card_button.isEnabled()


def test_missing_files_say_not_measured(qtbot, tmp_path: Path):
    run = make_run(tmp_path, results=False)
    (run / "run.json").unlink()
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    assert "Not measured" in view.eval_note.text()
    assert "Not taken yet" in view.ab_label.text()
    assert not view.card_button.isEnabled()
    assert view.open_card() is None
    text = _texts(view)
    assert "not recorded (no data manifest in this run)" in text
    assert "not stated" in text
    # An empty folder (a run that never started) is shown too.
    empty = tmp_path / "empty"
    empty.mkdir()
    view.show_run(empty)
    assert "Not measured" in view.eval_note.text()
    assert "No training steps were recorded for this run." in _texts(view)
    assert view.blind_button is None and "needs a finished run" in view.ab_label.text()


def test_corrupt_files_do_not_crash(qtbot, tmp_path: Path):
    run = make_run(tmp_path)
    (run / "evaluation.json").write_text("{not json", encoding="utf-8")
    (run / "data-manifest.json").write_text("[1, 2", encoding="utf-8")
    (run / "run.json").write_text('"just a string"', encoding="utf-8")
    (run / "ab-test.json").write_text('{"trials": [{"prompt": 1}]}', encoding="utf-8")
    (run / "events.jsonl").write_bytes(b'\xff\xfe garbage\n{"type": "step_progress"}\n')
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    assert "Not measured" in view.eval_note.text()
    assert "Not taken" in view.ab_label.text()
    # Right types in the wrong places: figures that are not numbers are not measured.
    _write(
        run / "evaluation.json",
        {
            "perplexity": {"base": {"perplexity": "high"}, "tuned": [1]},
            "style": {"base": {"score": 0.2}},
        },
    )
    _write(run / "data-manifest.json", {"files": "none", "settings": [], "train_examples": "x"})
    view.show_run(run)
    assert [label.text() for label in view.figures["Perplexity"]] == ["not measured"] * 2
    assert [label.text() for label in view.figures["Style score"]] == ["0.20", "not measured"]


def test_blind_score_is_shown(qtbot, tmp_path: Path):
    run = make_run(tmp_path)
    test = ABTest.make([f"p{i}" for i in range(5)], ["b"] * 5, ["t"] * 5, seed=1)
    for i, trial in enumerate(test.trials):
        other = "left" if trial.tuned_side == "right" else "right"
        test.record(i, trial.tuned_side if i < 3 else other if i == 3 else "tie")
    test.save(run)
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    text = _texts(view)
    assert "3 of 4" in text
    assert view.ab_label.text() == (
        "You picked the tuned model's answer 3 of 4 times. Make at least 5 picks for a verdict."
    )
    assert "1 could not tell." in text
    assert view.blind_button is not None
    with qtbot.waitSignal(view.sig_blind_requested) as blocker:
        view.blind_button.click()
    assert blocker.args == [run]


def test_model_card_opens_as_markdown(qtbot, tmp_path: Path):
    run = make_run(tmp_path)
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    dialog = view.open_card()
    assert dialog is not None
    qtbot.addWidget(dialog)
    shown = dialog.view.toPlainText()
    assert shown.startswith("Quillora style adapter")
    assert "library_name" not in shown
    assert dialog.view.isReadOnly()


def test_runs_page_opens_a_run_and_deletes_it(qtbot, tmp_path: Path, monkeypatch):
    root = tmp_path / "runs"
    run = make_run(root)
    page = RunsPage(root=root)
    qtbot.addWidget(page)
    page.refresh()
    row = page.rows_host.findChild(_ClickableCard)
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.detail
    assert page.detail.run_dir == run
    page.detail.sig_back.emit()
    assert page.stack.currentWidget() is page.list_view
    page.show_detail(run)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.detail.sig_delete_requested.emit(run)
    assert run.is_dir() and page.stack.currentWidget() is page.detail
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.detail.sig_delete_requested.emit(run)
    assert not run.exists()
    assert page.stack.currentWidget() is page.list_view
    assert page.summaries == []


def test_a_real_demo_run(qtbot, trained_tiny_run: Path):
    """The engine's own files (3 steps of the demo model) fill every section."""
    run = trained_tiny_run
    evaluation = json.loads((run / "evaluation.json").read_text(encoding="utf-8"))
    view = RunDetail()
    qtbot.addWidget(view)
    view.show_run(run)
    base, tuned = view.figures["Perplexity"]
    assert base.text() == f"{evaluation['perplexity']['base']['perplexity']:,.1f}"
    assert tuned.text() == f"{evaluation['perplexity']['tuned']['perplexity']:,.1f}"
    assert view.figures["Style score"][1].text() == f"{evaluation['style']['tuned']['score']:.2f}"
    text = _texts(view)
    for sentence in evaluation["summary"]:
        assert f"• {sentence}" in text
    assert view.chart.steps == [1, 2, 3]
    assert view.open_card() is not None
