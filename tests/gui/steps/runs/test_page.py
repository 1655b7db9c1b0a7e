"""The Runs step's list: each run's state read from its folder, and delete after asking."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from engine.contract.events import Finished
from gui.steps.runs.page import RunsPage
from tests.gui.run_folders import step_progress, write_run


def test_runs_page_lists_runs_and_deletes_after_confirmation(
    qtbot, _private_data_dir: Path, monkeypatch
):
    finished = Finished(
        run_dir="", adapter_dir="", steps=2, final_loss=2.8, best_heldout_loss=None, seconds=1
    )
    write_run(
        _private_data_dir, "20260101-000000-a", [step_progress(1), step_progress(2), finished]
    )
    stopped = write_run(
        _private_data_dir,
        "20260102-000000-b",
        [step_progress(1), step_progress(2)],
        checkpoint=True,
    )
    page = RunsPage()
    qtbot.addWidget(page)
    page.refresh()
    states = {s.name: s for s in page.summaries}
    assert states["20260101-000000-a"].state == "finished"
    assert states["20260102-000000-b"].state == "interrupted"
    assert states["20260102-000000-b"].resumable
    assert states["20260102-000000-b"].checkpoint_step == 2
    assert states["20260101-000000-a"].losses == [2.9, 2.8]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert not page.confirm_delete(states["20260102-000000-b"])
    assert stopped.exists()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert page.confirm_delete(states["20260102-000000-b"])
    assert not stopped.exists() and len(page.summaries) == 1
