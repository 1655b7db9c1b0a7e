"""Page validation: what the Train, Runs and Settings pages allow, and the main window's wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.contract.config import RunConfig
from engine.contract.events import Finished, StepProgress
from gui.core import settings
from gui.core.selection import DataSelection
from gui.main_window import MainWindow
from gui.steps.runs.page import RunsPage
from gui.steps.train.controller import RunController, RunState
from gui.steps.train.page import TrainPage
from tests.gui.conftest import train_script

SELECTION = DataSelection(
    sources=("posts.csv",), text_column="post", examples=120, total_tokens=14_000
)


@pytest.fixture
def train_page(qtbot, fake_engine) -> TrainPage:
    page = TrainPage(RunController(fake_engine(train_script(3))))
    qtbot.addWidget(page)
    yield page
    page.controller.shutdown()


def test_start_needs_a_model_and_data(train_page: TrainPage):
    assert not train_page.start_button.isEnabled()
    assert "Model step" in train_page.start_reason.text()
    train_page.set_model("demo")
    assert not train_page.start_button.isEnabled()
    assert "Data step" in train_page.start_reason.text()
    train_page.set_selection(SELECTION)
    assert train_page.start_button.isEnabled()
    assert train_page.start_reason.text() == ""


def test_the_dial_derives_settings_and_an_estimate(train_page: TrainPage):
    train_page.set_model("demo")
    train_page.set_selection(SELECTION)
    quick = train_page.plan
    train_page.dial.set_value("thorough")
    thorough = train_page.plan
    assert quick is not None and thorough is not None
    assert thorough.config.training.dial == "thorough"
    assert thorough.config.lora.rank > quick.config.lora.rank
    assert thorough.estimated_seconds and "Expected time" in train_page.estimate.text()
    assert train_page.advanced.values["rank"].text() == str(thorough.config.lora.rank)
    assert all(label.toolTip() for label in train_page.advanced.values.values())


def test_a_model_too_big_for_the_gpu_cannot_start(train_page: TrainPage):
    report = {"gpus": [{"name": "Tiny GPU", "total_gib": 2.0}]}
    train_page.set_doctor_report(report)
    train_page.set_model("meta-llama/Llama-3.1-8B-Instruct")
    train_page.set_selection(SELECTION)
    if train_page.plan and train_page.plan.fits is False:
        assert not train_page.start_button.isEnabled()
        assert "too big" in train_page.start_reason.text()


def test_start_runs_and_shows_progress(qtbot, train_page: TrainPage, monkeypatch, tmp_path):
    train_page.set_model("demo")
    train_page.set_selection(SELECTION)
    train_page.advanced.max_steps.setValue(3)
    run_dir = train_page.start()
    assert run_dir is not None
    request = json.loads((run_dir / "gui-request.json").read_text())
    assert RunConfig.from_dict(request).training.max_steps == 3
    qtbot.waitUntil(lambda: train_page.controller.state == RunState.FINISHED, timeout=15000)
    assert train_page.progress.value() == train_page.progress.maximum() == 3
    assert train_page.try_button.isVisibleTo(train_page)
    assert train_page.chart is not None and len(train_page.chart.steps) == 3


def test_cancel_asks_first(qtbot, train_page: TrainPage, monkeypatch):
    asked: list[str] = []

    def no(*args, **kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    cancelled: list[bool] = []
    monkeypatch.setattr(train_page.controller, "cancel", lambda: cancelled.append(True))
    train_page._on_cancel_clicked()
    assert asked == ["Cancel this run?"] and not cancelled


def _write_run(root: Path, name: str, events: list[object], checkpoint: bool = False) -> Path:
    run = root / "runs" / name
    run.mkdir(parents=True)
    lines = [e.to_line() for e in events]  # type: ignore[attr-defined]
    (run / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if checkpoint:
        (run / "checkpoints" / "step-2").mkdir(parents=True)
        (run / "checkpoints" / "step-2" / "COMPLETE").write_text("ok")
        (run / "checkpoints" / "step-3").mkdir()  # no marker: half-written, ignored
    return run


def _progress(step: int) -> StepProgress:
    return StepProgress(
        step=step,
        total_steps=4,
        loss=3.0 - step / 10,
        learning_rate=1e-4,
        tokens_per_second=1.0,
        memory_gib=0.1,
        eta_seconds=1.0,
    )


def test_runs_page_lists_runs_and_deletes_after_confirmation(
    qtbot, _private_data_dir: Path, monkeypatch
):
    finished = Finished(
        run_dir="", adapter_dir="", steps=2, final_loss=2.8, best_heldout_loss=None, seconds=1
    )
    _write_run(_private_data_dir, "20260101-000000-a", [_progress(1), _progress(2), finished])
    stopped = _write_run(
        _private_data_dir, "20260102-000000-b", [_progress(1), _progress(2)], checkpoint=True
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


def test_moving_the_data_folder_copies_then_switches(_private_data_dir: Path, tmp_path: Path):
    (_private_data_dir / "runs" / "r1").mkdir(parents=True)
    (_private_data_dir / "runs" / "r1" / "run.json").write_text("{}")
    target = settings.move_data_dir(tmp_path / "elsewhere")
    assert (target / "runs" / "r1" / "run.json").exists()
    assert (_private_data_dir / "runs" / "r1" / "run.json").exists()  # the old one is kept
    from engine.contract.paths import data_dir

    assert data_dir() == target


def test_the_demo_button_sets_model_and_samples_and_opens_train(qtbot):
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.welcome_page.demo_button.click()
    assert window.current_key() == "train"
    assert window.train_page.model == "demo"
    assert window.train_page.selection is not None
    assert window.train_page.selection.sources[0].endswith("brand_voice.csv")
    assert window.train_page.start_button.isEnabled()
    if hasattr(window.data_page, "_stop_process"):
        window.data_page._stop_process()


def test_closing_during_a_run_can_keep_it_training(qtbot, fake_engine, tmp_path: Path):
    script = [*train_script(1, finish=False), {"sleep": 1.5}, *train_script(2)[2:]]
    window = MainWindow(engine_base=fake_engine(script), background_work=False)
    qtbot.addWidget(window)
    window.train_page.set_model("demo")
    window.train_page.set_selection(SELECTION)
    run_dir = window.train_page.start()
    assert run_dir is not None
    qtbot.waitUntil(lambda: window.controller.state == RunState.TRAINING, timeout=10000)
    window.ask_close_during_run = lambda: "cancel"  # type: ignore[method-assign]
    assert not window.close()
    window.ask_close_during_run = lambda: "background"  # type: ignore[method-assign]
    assert window.close()
    assert window.controller.state == RunState.IDLE
    # Reopening finds the live run and reattaches to it.
    second = MainWindow(background_work=False)
    qtbot.addWidget(second)
    live = second.check_unfinished_runs(ask=False)
    assert live is not None and live.path == run_dir
    assert second.controller.is_attached
    qtbot.waitUntil(lambda: second.controller.state == RunState.FINISHED, timeout=15000)


def test_token_without_a_password_store_says_so(qtbot, monkeypatch):
    from gui.steps.settings.page import SettingsPage

    def refuse(token: str) -> None:
        raise settings.TokenStoreError("This computer has no secure password store.")

    monkeypatch.setattr(settings, "save_token", refuse)
    monkeypatch.setattr(settings, "load_token", lambda: "")
    page = SettingsPage()
    qtbot.addWidget(page)
    page.token.setText("hf_secret")
    page._on_save_token_clicked()
    assert "no secure password store" in page.token_status.text()
    assert settings.settings().value("token", None) is None  # never written to a file


def test_reopening_offers_to_resume_an_interrupted_run(qtbot, _private_data_dir: Path, monkeypatch):
    run = _write_run(
        _private_data_dir, "20260103-000000-c", [_progress(1), _progress(2)], checkpoint=True
    )
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    asked: list[str] = []

    def yes(*args, **kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.Yes

    resumed: list[Path] = []
    monkeypatch.setattr(QMessageBox, "question", yes)
    monkeypatch.setattr(window, "resume_run", resumed.append)
    found = window.check_unfinished_runs(ask=True)
    assert found is not None and found.path == run
    assert asked == ["Resume your last run?"] and resumed == [run]


def test_switching_to_dark_redraws_without_errors(qtbot):
    from PySide6.QtWidgets import QApplication

    from gui.widgets.theme import DARK, LIGHT, apply_theme, colors

    app = QApplication.instance()
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.train_page.preview(RunState.TRAINING, [_progress(1), _progress(2)])
    try:
        apply_theme(app, dark=True)
        window._on_scheme_changed()
        assert colors()["window"] == DARK["window"]
    finally:
        apply_theme(app, dark=False)
        window._on_scheme_changed()
    assert colors()["window"] == LIGHT["window"]
