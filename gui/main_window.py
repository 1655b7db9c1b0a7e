"""The main window: the user's path as steps in a sidebar, one page per step.

Each step's page comes from its package under gui/steps/ (imported directly: a page that
fails to import is a crash in the tests, never a stand-in in the installed app). The window
wires the pages together, owns the run controller through the Train page, asks what to do
with a running run on close, and after the first paint checks this computer (doctor) and
looks for runs to reattach to or resume. Importing this module never loads the ML stack.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QThread, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QSystemTrayIcon,
    QWidget,
)

from engine.contract.events import Event, Finished, Report, StepProgress
from engine.contract.paths import assets_dir, runs_dir
from gui.core import run_files, settings
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess
from gui.core.selection import DataSelection
from gui.demo_flow import DemoCounts
from gui.steps.data.page import DataPage
from gui.steps.model.page import ModelPage
from gui.steps.runs.page import RunsPage
from gui.steps.settings.page import SettingsPage
from gui.steps.share.page import SharePage
from gui.steps.train.controller import RunController, RunState
from gui.steps.train.page import TrainPage
from gui.steps.try_it.page import TryPage
from gui.steps.welcome.page import WelcomePage
from gui.widgets.step_sidebar import Step, StepSidebar
from gui.widgets.theme import icon

STEPS = [
    Step("welcome", "Start here", "welcome", "What Quillora does, and the offline demo"),
    Step("model", "1  Model", "model", "Pick the base model to teach"),
    Step("data", "2  Data", "data", "Add the writing it should learn from"),
    Step("train", "3  Train", "train", "Train, watch, pause or stop"),
    Step("try", "4  Try it", "try", "Write with your trained model"),
    Step("share", "5  Share", "share", "Export for Ollama, LM Studio and others"),
    Step("runs", "Runs", "runs", "Everything you have trained"),
    Step("settings", "Settings", "settings", "Data folder, token, offline mode"),
]
DEMO_SAMPLES = ("samples", "brand_voice.csv")


class MainWindow(QMainWindow):
    def __init__(
        self, engine_base: Sequence[str] | None = None, background_work: bool = True
    ) -> None:
        super().__init__()
        self.setWindowTitle("Quillora")
        self.setWindowIcon(icon("feather", "#5b4fe0", 64))
        self.resize(1180, 780)
        self.setMinimumSize(900, 620)
        self._background_work = background_work
        self._doctor: EngineProcess | None = None
        self._tray: QSystemTrayIcon | None = None
        self.controller = RunController(engine_base, parent=self)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = StepSidebar(STEPS)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pageArea")
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # Pages are built when first needed (the first one at once, the rest right after the
        # first paint), so the window appears fast; `page(key)` builds on demand.
        self.pages: dict[str, QWidget] = {}
        self._slots: dict[str, QWidget] = {}
        for step in STEPS:
            slot = QWidget()
            self._slots[step.key] = slot
            self.stack.addWidget(slot)
        self.sidebar.sig_step_chosen.connect(self._on_sidebar_step_chosen)
        for number, step in enumerate(STEPS[1:], start=1):  # Ctrl+1 Model ... Ctrl+7 Settings
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda key=step.key: self.go_to(key))
        self._model_name = ""
        self._doctor_report: dict[str, Any] | None = None
        self._finished_run: Path | None = None
        self.train_page = cast(TrainPage, self.page("train"))
        self._demo_counts = DemoCounts(self.train_page, lambda: self.data_page, self)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)
        self.controller.sig_progress.connect(self._on_controller_progress)
        self.controller.sig_state_changed.connect(self._on_controller_state_changed)
        self.go_to(self._first_page())

    def _first_page(self) -> str:
        """Newcomers see the welcome; people who have trained before see their runs."""
        if not settings.welcome_done():
            return "welcome"
        try:
            has_runs = any(p.is_dir() for p in runs_dir().iterdir())
        except OSError:
            has_runs = False
        return "runs" if has_runs else "model"

    # -- pages ------------------------------------------------------------------------------
    def page(self, key: str) -> QWidget:
        """The page for a step, built (and wired) on first use."""
        if key in self.pages:
            return self.pages[key]
        page = self._build_page(key)
        self.pages[key] = page
        slot = self._slots[key]
        index = self.stack.indexOf(slot)
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(slot)
        slot.deleteLater()
        return page

    def build_all_pages(self) -> None:
        for step in STEPS:
            self.page(step.key)

    def _build_page(self, key: str) -> QWidget:
        if key == "welcome":
            welcome = WelcomePage(self)
            welcome.sig_demo_requested.connect(self.start_demo)
            welcome.sig_start_requested.connect(lambda: self.go_to("model"))
            return welcome
        if key == "model":
            model = ModelPage(self)
            model.sig_model_chosen.connect(self._on_model_chosen)
            if self._doctor_report is not None:
                model.set_doctor_report(self._doctor_report)
            return model
        if key == "data":
            data = DataPage(self)
            data.sig_data_ready.connect(self.train_page.set_selection)
            data.sig_continue_requested.connect(lambda: self.go_to("train"))
            if self._model_name:
                data.set_model(self._model_name)
            return data
        if key == "train":
            train = TrainPage(self.controller, self)
            train.sig_go_to.connect(self.go_to)
            train.sig_run_finished.connect(self._on_run_finished)
            return train
        if key in ("try", "share"):
            other = TryPage(self) if key == "try" else SharePage(self)
            if self._finished_run is not None:
                other.set_run(self._finished_run)
            return other
        if key == "runs":
            runs = RunsPage(self)
            runs.sig_resume_requested.connect(self.resume_run)
            runs.sig_watch_requested.connect(self.watch_run)
            runs.sig_try_requested.connect(self._on_runs_try_requested)
            runs.sig_blind_requested.connect(self._on_runs_blind_requested)
            runs.sig_train_more_requested.connect(self.train_more)
            return runs
        settings_page = SettingsPage(self)
        settings_page.run_active = lambda: self.controller.is_active
        return settings_page

    @property
    def welcome_page(self) -> WelcomePage:
        return cast(WelcomePage, self.page("welcome"))

    @property
    def model_page(self) -> ModelPage:
        return cast(ModelPage, self.page("model"))

    @property
    def data_page(self) -> DataPage:
        return cast(DataPage, self.page("data"))

    @property
    def try_page(self) -> TryPage:
        return cast(TryPage, self.page("try"))

    @property
    def share_page(self) -> SharePage:
        return cast(SharePage, self.page("share"))

    @property
    def runs_page(self) -> RunsPage:
        return cast(RunsPage, self.page("runs"))

    @property
    def settings_page(self) -> SettingsPage:
        return cast(SettingsPage, self.page("settings"))

    # -- navigation -------------------------------------------------------------------------
    def go_to(self, key: str) -> None:
        if key not in self._slots:
            return
        self.stack.setCurrentWidget(self.page(key))
        self.sidebar.select(key)

    def current_key(self) -> str:
        current = self.stack.currentWidget()
        return next((k for k, p in self.pages.items() if p is current), "")

    def _on_sidebar_step_chosen(self, key: str) -> None:
        if self.current_key() != key:
            self.go_to(key)

    # -- the user's path --------------------------------------------------------------------
    def start_demo(self) -> None:
        """One click: the demo model, the bundled samples, then the Train step."""
        settings.set_welcome_done()
        samples = assets_dir().joinpath(*DEMO_SAMPLES)
        self.model_page.set_model("demo")
        # "A first try in the least time": the demo is a first look, within a few minutes
        # even on a processor; the dial stays free to change before Start.
        self.train_page.dial.set_value("quick")
        if samples.exists():
            self.data_page.set_sources([str(samples)])
            # The Data step shows its report; Train can start right away with the samples.
            self.train_page.set_selection(
                DataSelection(sources=(str(samples),), label="Sample brand copy (demo)")
            )
            self._demo_counts.watch(str(samples))
        else:
            QMessageBox.warning(
                self,
                "The demo samples are missing",
                f"Quillora expected its sample writing at {samples}. Reinstalling Quillora "
                "brings it back; you can still add your own writing on the Data step.",
            )
        self.go_to("train")

    def _on_model_chosen(self, name: str) -> None:
        settings.set_welcome_done()
        self._model_name = name
        self.train_page.set_model(name)
        self.data_page.set_model(name)

    def _on_run_finished(self, event: Finished) -> None:
        run_dir = self.controller.run_dir or Path(event.run_dir)
        self._give_run_to_pages(run_dir)
        self.notify("Training finished", "Your style adapter is ready. Open Quillora to try it.")

    def _on_runs_try_requested(self, run_dir: Path) -> None:
        self._give_run_to_pages(run_dir)
        self.go_to("try")

    def _on_runs_blind_requested(self, run_dir: Path) -> None:
        """A run's page asked for the blind test: Try it, on its Blind test tab."""
        self._on_runs_try_requested(run_dir)
        self.try_page.show_blind_test()

    def _give_run_to_pages(self, run_dir: Path) -> None:
        self._finished_run = run_dir
        if "try" in self.pages:
            self.try_page.set_run(run_dir)
        if "share" in self.pages:
            self.share_page.set_run(run_dir)

    def train_more(self, run_dir: Path) -> None:
        """A new run from a finished run's model: the Data step chooses the writing; the
        Train step keeps the finished run's base model and settings."""
        if self.controller.is_active:
            QMessageBox.information(self, "A run is training", "Wait for it to finish first.")
            return
        problem = self.train_page.set_parent_run(Path(run_dir))
        if problem:
            QMessageBox.warning(self, "This run cannot be continued", problem)
            return
        parent = self.train_page.parent_run
        if parent is not None:
            self._model_name = parent.config.model.name
            self.train_page.set_model(self._model_name)
            self.data_page.set_model(self._model_name)
        self.go_to("data")

    def resume_run(self, run_dir: Path) -> None:
        if self.controller.is_active:
            QMessageBox.information(self, "A run is training", "Wait for it to finish first.")
            return
        self.train_page.clear_run_view()
        self.train_page.show_history(run_files.read_events(Path(run_dir) / run_files.EVENTS_FILE))
        self.controller.resume_run(Path(run_dir))
        self.go_to("train")

    def watch_run(self, run_dir: Path) -> None:
        if self.controller.attach(Path(run_dir)):
            self.train_page.clear_run_view()
            self.go_to("train")

    def _on_scheme_changed(self, _scheme: object = None) -> None:
        """The app re-applied its palette (gui.app); redraw what was drawn in colour."""
        self.sidebar.refresh_icons()
        self.train_page.refresh_theme()
        if "welcome" in self.pages:
            self.welcome_page.refresh_theme()
        if "runs" in self.pages:
            self.runs_page.refresh()

    def _on_controller_progress(self, event: StepProgress) -> None:
        """Progress in the sidebar, so it stays in sight on every page."""
        percent = 100 * event.step / max(1, event.total_steps)
        self.sidebar.status.setText(f"Training: {percent:.0f}% (step {event.step:,})")

    def _on_controller_state_changed(self, state: RunState) -> None:
        words = {
            RunState.PREPARING: "Training: getting ready…",
            RunState.PAUSED: "Training paused",
            RunState.FINISHING: "Saving…",
            RunState.FINISHED: "Last run: finished",
            RunState.STOPPED: "Last run: stopped and saved",
            RunState.FAILED: "Last run: did not finish",
            RunState.CANCELLED: "Last run: cancelled",
        }
        if state in words:
            self.sidebar.status.setText(words[state])
        elif state == RunState.IDLE:
            self.sidebar.status.setText("")

    def notify(self, title: str, message: str) -> None:
        """A desktop notification where the system offers one; the taskbar blinks anyway."""
        QApplication.alert(self)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self.windowIcon(), self)
            self._tray.setToolTip("Quillora")
        self._tray.show()
        self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)

    # -- work after the first paint -----------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(100, self.build_all_pages)
        if self._background_work:
            self._background_work = False
            QTimer.singleShot(400, self._after_first_show)

    def _after_first_show(self) -> None:
        # keyring can take a second to load its backend: not on the GUI thread.
        threading.Thread(target=settings.export_token_to_environment, daemon=True).start()
        self._run_doctor()
        self.check_unfinished_runs(ask=True)

    def _run_doctor(self) -> None:
        self._doctor = EngineProcess(engine_command("doctor"), parent=self)
        self._doctor.sig_event.connect(self._on_doctor_event)
        self._doctor.start()

    def _on_doctor_event(self, event: Event) -> None:
        if isinstance(event, Report) and event.name == "doctor":
            self._doctor_report = event.body
            self.train_page.set_doctor_report(event.body)
            if "model" in self.pages:
                self.model_page.set_doctor_report(event.body)

    def check_unfinished_runs(self, ask: bool) -> run_files.RunSummary | None:
        """Reattach to a run training in the background, or offer to resume a stopped one."""
        runs = run_files.list_runs(runs_dir())
        live = next((r for r in runs if r.live), None)
        if live is not None:
            self.watch_run(live.path)
            return live
        stopped = next((r for r in runs if r.state == "interrupted" and r.resumable), None)
        if stopped is not None and ask:
            answer = QMessageBox.question(
                self,
                "Resume your last run?",
                f"The run from {stopped.name} stopped before it finished (step "
                f"{stopped.checkpoint_step:,} is saved). Continue it now?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.resume_run(stopped.path)
        return stopped

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.is_active and not self.controller.is_attached:
            choice = self.ask_close_during_run()
            if choice == "cancel":
                event.ignore()
                return
            if choice == "stop":
                self.controller.stop_and_save()
            self.controller.keep_in_background()
        elif self.controller.is_active:
            self.controller.keep_in_background()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """End the short-lived engine children (doctor, previews) and join every thread.

        A training run is not touched here: closeEvent has already kept it in the
        background or asked it to stop.
        """
        for thread in self.findChildren(QThread):
            if thread.parent() is self.controller:
                continue  # the training run: left running or already asked to stop
            if isinstance(thread, EngineProcess):
                thread.kill_now()
            thread.wait(3000)

    def close_question(self) -> tuple[QMessageBox, dict[str, QPushButton]]:
        """The box asked when the window closes during a run, and its buttons by answer."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("A run is training")
        box.setText("Quillora is still training. What would you like to do?")
        box.setInformativeText(
            "Training can keep going in the background; reopen Quillora to watch it again. "
            "Or stop now and keep what it has learned so far."
        )
        buttons: dict[str, QPushButton] = {
            "background": box.addButton(
                "Keep training in background", QMessageBox.ButtonRole.AcceptRole
            ),
            "stop": box.addButton("Stop and save", QMessageBox.ButtonRole.DestructiveRole),
            "cancel": box.addButton("Don't close", QMessageBox.ButtonRole.RejectRole),
        }
        box.setDefaultButton(buttons["background"])
        box.setEscapeButton(buttons["cancel"])
        return box, buttons

    def ask_close_during_run(self) -> str:
        """'background', 'stop' or 'cancel' (keep the window open)."""
        box, buttons = self.close_question()
        box.exec()
        clicked = box.clickedButton()
        return next((k for k, b in buttons.items() if b is clicked), "cancel")
