"""The main window: the demo button, closing during a run, reopening, the dark scheme."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from gui.core.selection import DataSelection
from gui.main_window import MainWindow
from gui.steps.train.controller import RunState
from tests.gui.conftest import train_script
from tests.gui.run_folders import step_progress, write_run

SELECTION = DataSelection(
    sources=("posts.csv",), text_column="post", examples=120, total_tokens=14_000
)


def test_the_demo_button_sets_model_and_samples_and_opens_train(qtbot):
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.welcome_page.demo_button.click()
    assert window.current_key() == "train"
    assert window.train_page.model == "demo"
    assert window.train_page.selection is not None
    assert window.train_page.selection.sources[0].endswith("brand_voice.csv")
    assert window.train_page.start_button.isEnabled()
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


def test_reopening_offers_to_resume_an_interrupted_run(qtbot, _private_data_dir: Path, monkeypatch):
    run = write_run(
        _private_data_dir,
        "20260103-000000-c",
        [step_progress(1), step_progress(2)],
        checkpoint=True,
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
    window.train_page.preview(RunState.TRAINING, [step_progress(1), step_progress(2)])
    try:
        apply_theme(app, dark=True)
        window._on_scheme_changed()
        assert colors()["window"] == DARK["window"]
    finally:
        apply_theme(app, dark=False)
        window._on_scheme_changed()
    assert colors()["window"] == LIGHT["window"]


def test_continue_on_the_data_step_opens_train_with_that_data(qtbot):
    from gui.tour.demo_reports import demo_report

    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.go_to("data")
    window.data_page.show_report(demo_report())
    window.data_page.rights.buttons["i_wrote_it"].click()
    window.data_page.continue_button.click()
    assert window.current_key() == "train"
    assert window.train_page.selection is not None
    assert window.train_page.selection.rights == "i_wrote_it"
