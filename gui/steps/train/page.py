"""The Train step: the dial, what to expect, Start; then the live run and how it ended.

Thin on purpose: the page builds a plan (gui.steps.train.plan) and calls the RunController; the
controller's signals drive what is shown. `preview()` shows a state from given events without
an engine (used by the tour).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.config import ConfigError
from engine.contract.events import (
    DataPrepared,
    DownloadProgress,
    Evaluation,
    Event,
    Failed,
    Finished,
    Log,
    RunStarted,
    StepProgress,
)
from gui.core.messages import ErrorDialog, message_for
from gui.core.run_files import EVENTS_FILE, latest_checkpoint, read_events
from gui.core.selection import DataSelection
from gui.steps.train.controller import ACTIVE_STATES, RunController, RunState
from gui.steps.train.plan import (
    ParentRun,
    Plan,
    clock,
    estimate_text,
    make_plan,
    plain_duration,
)
from gui.widgets.advanced_settings import AdvancedSettings
from gui.widgets.dial import DialSelector
from gui.widgets.page import card, header, muted, scrolling_page, section_title
from gui.widgets.stat_tile import StatTile
from gui.widgets.theme import colors, icon

STATE_WORDS = {
    RunState.IDLE: "Ready",
    RunState.PREPARING: "Getting ready: loading the model and reading your writing…",
    RunState.TRAINING: "Learning your voice…",
    RunState.PAUSED: "Paused. Resume whenever you like.",
    RunState.FINISHING: "Saving what it has learned…",
    RunState.FINISHED: "Done: your style adapter is ready.",
    RunState.STOPPED: "Stopped and saved: the adapter holds what it learned so far.",
    RunState.FAILED: "The run did not finish.",
    RunState.CANCELLED: "Cancelled. The last checkpoint is kept for a resume.",
}


class TrainPage(QWidget):
    sig_go_to = Signal(str)  # a step key: "model", "data", "try", "runs"
    sig_run_finished = Signal(object)  # Finished
    sig_run_failed = Signal(object)  # Failed

    def __init__(self, controller: RunController | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller or RunController(parent=self)
        self.model = ""
        self.selection: DataSelection | None = None
        self.doctor: dict[str, Any] | None = None
        self.plan: Plan | None = None
        self.parent_run: ParentRun | None = None  # Train more: the run this one continues
        self.last_failed: Failed | None = None
        self.show_error_dialogs = True
        layout = scrolling_page(self)
        layout.addWidget(
            header(
                "Train",
                "One dial decides every setting from your data and "
                "this computer. You can pause or stop at any time.",
            )
        )
        layout.addWidget(self._build_setup())
        layout.addWidget(self._build_run())
        layout.addStretch(1)
        self._connect_controller()
        self._refresh_plan()
        self._show_state(self.controller.state)

    # -- building ---------------------------------------------------------------------------
    def _build_setup(self) -> QWidget:
        frame, box = card()
        self.setup_card = frame
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.linkActivated.connect(self._on_summary_link)
        box.addWidget(self.summary)
        box.addWidget(section_title("How thoroughly should it learn?"))
        self.dial = DialSelector()
        self.dial.sig_dial_changed.connect(lambda _d: self._refresh_plan())
        box.addWidget(self.dial)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        box.addWidget(self.estimate)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAccessibleName("Show the advanced settings")
        self.advanced_toggle.toggled.connect(self._on_advanced_toggled)
        box.addWidget(self.advanced_toggle)
        self.advanced = AdvancedSettings()
        self.advanced.setVisible(False)
        self.advanced.sig_max_steps_changed.connect(lambda _n: self._refresh_plan())
        box.addWidget(self.advanced)
        row = QHBoxLayout()
        self.start_button = QPushButton(icon("play", colors()["on_accent"]), "  Start training")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        self.start_reason = muted("")
        row.addWidget(self.start_button)
        row.addWidget(self.start_reason, 1)
        box.addLayout(row)
        return frame

    def _build_run(self) -> QWidget:
        frame, box = card()
        self.run_card = frame
        top = QHBoxLayout()
        self.state_label = section_title("")
        self.state_label.setWordWrap(True)
        top.addWidget(self.state_label, 1)
        self.pause_button = QPushButton(icon("pause"), " Pause")
        self.pause_button.setAccessibleName("Pause training")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button = QPushButton(icon("stop"), " Stop and save")
        self.stop_button.setAccessibleName("Stop training and save the adapter")
        self.stop_button.clicked.connect(self.controller.stop_and_save)
        self.cancel_button = QPushButton(icon("cancel"), " Cancel")
        self.cancel_button.setObjectName("danger")
        self.cancel_button.setAccessibleName("Cancel training without saving an adapter")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        for button in (self.pause_button, self.stop_button, self.cancel_button):
            top.addWidget(button)
        box.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Training progress")
        self.progress.setTextVisible(False)
        box.addWidget(self.progress)
        self.progress_text = muted("")
        box.addWidget(self.progress_text)
        tiles = QGridLayout()
        tiles.setSpacing(10)
        self.tile_loss = StatTile("Training loss", "Lower means closer to your writing.")
        self.tile_heldout = StatTile(
            "Held-out check", "Loss on examples kept aside: the honest measure of progress."
        )
        self.tile_speed = StatTile("Speed", "Tokens (word pieces) learned per second.")
        self.tile_memory = StatTile("Memory", "Graphics memory in use (or RAM on the CPU).")
        for column, tile in enumerate(
            (self.tile_loss, self.tile_heldout, self.tile_speed, self.tile_memory)
        ):
            tiles.addWidget(tile, 0, column)
        box.addLayout(tiles)
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        box.addWidget(self.notice)
        self.error_banner = QLabel()
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.hide()
        box.addWidget(self.error_banner)
        done = QHBoxLayout()
        self.try_button = QPushButton(icon("try", colors()["on_accent"]), "  Try it")
        self.try_button.setObjectName("primary")
        self.try_button.clicked.connect(lambda: self.sig_go_to.emit("try"))
        self.details_button = QPushButton("What happened?")
        self.details_button.clicked.connect(self._show_error_dialog)
        self.resume_button = QPushButton(icon("resume"), " Resume from the last checkpoint")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        done.addWidget(self.resume_button)
        self.again_button = QPushButton("New run")
        self.again_button.clicked.connect(self._on_again_clicked)
        done.addWidget(self.try_button)
        done.addWidget(self.details_button)
        done.addWidget(self.again_button)
        done.addStretch(1)
        box.addLayout(done)
        # The chart (pyqtgraph + numpy, ~0.7 s to import) is made when a run is first shown,
        # so the window appears fast; `chart_data` keeps what arrives before it exists.
        self.chart: Any = None
        self.chart_box = QVBoxLayout()
        box.addLayout(self.chart_box)
        return frame

    def _connect_controller(self) -> None:
        c = self.controller
        c.sig_state_changed.connect(self._show_state)
        c.sig_run_started.connect(self._on_event)
        c.sig_data_prepared.connect(self._on_event)
        c.sig_progress.connect(self._on_event)
        c.sig_evaluation.connect(self._on_event)
        c.sig_notice.connect(self._on_notice)
        c.sig_finished.connect(self._on_event)
        c.sig_failed.connect(self._on_event)
        c.sig_log.connect(self._on_preparing_event)
        c.sig_download.connect(self._on_preparing_event)

    # -- inputs from the other steps ------------------------------------------------------------
    def set_model(self, name: str) -> None:
        self.model = name
        self._refresh_plan()

    def set_selection(self, selection: DataSelection | None) -> None:
        self.selection = selection
        self._refresh_plan()

    def set_parent_run(self, run_dir: Path | None) -> str:
        """Train more from the finished run at `run_dir` (None: a fresh run again).

        Returns "" or, when the run's settings cannot be read, the sentence shown instead.
        """
        self.parent_run = None
        problem = ""
        if run_dir is not None:
            try:
                self.parent_run = ParentRun.read(Path(run_dir))
            except ConfigError as exc:
                problem = f"That run cannot be continued: {exc}"
        self._refresh_plan()
        self.start_reason.setText(problem or self.start_reason.text())
        return problem

    def _on_summary_link(self, key: str) -> None:
        if key == "fresh":
            self.set_parent_run(None)
        else:
            self.sig_go_to.emit(key)

    def set_doctor_report(self, report: dict[str, Any] | None) -> None:
        self.doctor = report
        self._refresh_plan()

    def _refresh_plan(self) -> None:
        model_text = self.model or "not chosen"
        if self.model == "demo":
            model_text = "the demo model (SmolLM2-135M)"
        data_text = self.selection.summary() if self.selection else "not chosen"
        summary = (
            f"<b>Model:</b> {model_text} &nbsp;<a href='model'>change</a>"
            f"&nbsp;&nbsp;·&nbsp;&nbsp;<b>Writing:</b> {data_text} &nbsp;<a href='data'>change</a>"
        )
        if self.parent_run is not None:
            parent = self.parent_run
            summary = (
                f"<b>Training more:</b> continues the model of run "
                f"'{html.escape(parent.config.name or parent.path.name)}' "
                f"({parent.config.model.name}), with its settings, on the writing below. "
                "That run stays as it is. &nbsp;<a href='fresh'>start fresh instead</a><br>"
                f"<b>Writing:</b> {data_text} &nbsp;<a href='data'>change</a>"
            )
        self.summary.setText(summary)
        self.plan = make_plan(
            self.model,
            self.selection,
            self.dial.value(),
            self.doctor,
            self.advanced.max_steps.value(),
            self.parent_run,
        )
        self.advanced.show_config(self.plan.config)
        self.estimate.setText(estimate_text(self.plan))
        reason = ""
        if not self.model and self.parent_run is None:
            reason = "Choose a model on the Model step first."
        elif self.selection is None or not self.selection.is_ready:
            reason = "Choose your writing on the Data step first."
        elif self.plan.fits is False:
            reason = "This model is too big for this computer's graphics card."
        self.start_reason.setText(reason)
        self.start_button.setEnabled(not reason and not self.controller.is_active)

    # -- commands -------------------------------------------------------------------------------
    def start(self) -> Path | None:
        self._refresh_plan()
        if self.plan is None or not self.start_button.isEnabled():
            return None
        self.clear_run_view()
        run_dir = self.controller.start(self.plan.config)
        self.parent_run = None  # continued once; the next Start is a fresh run again
        self.progress_text.setText("Starting the engine…")
        return run_dir

    def _on_pause_clicked(self) -> None:
        if self.controller.state == RunState.PAUSED:
            self.controller.resume()
        else:
            self.controller.pause()

    def _on_cancel_clicked(self) -> None:
        answer = QMessageBox.question(
            self,
            "Cancel this run?",
            "Cancelling stops training without saving an adapter. The last checkpoint is kept, "
            "so you can resume later from the Runs page.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.cancel()

    def _on_resume_clicked(self) -> None:
        run_dir = self.controller.run_dir
        if run_dir is not None and not self.controller.is_active:
            self.clear_run_view()
            self.show_history(read_events(run_dir / EVENTS_FILE))
            self.controller.resume_run(run_dir)

    def _on_again_clicked(self) -> None:
        self.clear_run_view()
        self._show_state(RunState.IDLE)

    def _on_advanced_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    # -- what the run reports -------------------------------------------------------------------
    def ensure_chart(self) -> Any:
        if self.chart is None:
            from gui.widgets.loss_chart import LossChart

            self.chart = LossChart()
            self.chart.setMinimumHeight(260)
            self.chart.setMaximumHeight(380)
            self.chart_box.addWidget(self.chart)
        return self.chart

    def clear_run_view(self) -> None:
        """Empty the chart, tiles and messages before another run is shown here."""
        if self.chart is not None:
            self.chart.clear()
        self.last_failed = None
        self.notice.hide()
        self.error_banner.hide()
        self.progress.setValue(0)
        self.progress_text.setText("")
        for tile in (self.tile_loss, self.tile_heldout, self.tile_speed, self.tile_memory):
            tile.set("–")

    def _on_event(self, event: Event) -> None:
        if isinstance(event, StepProgress):
            self.progress.setMaximum(max(1, event.total_steps))
            self.progress.setValue(event.step)
            self.progress_text.setText(
                f"Step {event.step:,} of {event.total_steps:,} · {clock(event.eta_seconds)} left"
            )
            self.ensure_chart().add_train(event.step, event.loss)
            self.tile_loss.set(f"{event.loss:.3f}")
            self.tile_speed.set(f"{event.tokens_per_second:,.0f} tok/s")
            self.tile_memory.set(f"{event.memory_gib:.1f} GiB")
        elif isinstance(event, Evaluation):
            self.ensure_chart().add_heldout(event.step, event.heldout_loss)
            self.tile_heldout.set(f"{event.heldout_loss:.3f}")
        elif isinstance(event, DataPrepared):
            self.progress_text.setText(
                f"Learning from {event.train_examples:,} examples; {event.heldout_examples:,} "
                f"kept aside to check progress."
            )
        elif isinstance(event, RunStarted):
            self.progress_text.setText(f"Started on {event.device}.")
        elif isinstance(event, Finished):
            self.progress.setValue(self.progress.maximum())
            ended = {"early_stopped": "it stopped improving, so it stopped early"}.get(
                event.reason, f"{event.steps:,} steps"
            )
            self.progress_text.setText(
                f"Finished in {plain_duration(event.seconds)[6:]} ({ended}). "
                f"Final loss {event.final_loss:.3f}."
            )
            self.sig_run_finished.emit(event)
        elif isinstance(event, Failed):
            self.last_failed = event
            words = message_for(event.kind)
            self.error_banner.setText(f"<b>{words.title}.</b> {words.next_step}")
            self.error_banner.show()
            self.sig_run_failed.emit(event)
            if self.show_error_dialogs and self.isVisible():
                self._show_error_dialog()

    def show_history(self, events: list[Event]) -> None:
        """Draw an earlier part of the run (a resumed run keeps its whole curve)."""
        for event in events:
            if isinstance(event, StepProgress | Evaluation):
                self._on_event(event)

    def _on_preparing_event(self, event: Event) -> None:
        """While getting ready, say what the engine is doing (reading files, downloading)."""
        if self.controller.state != RunState.PREPARING:
            return
        if isinstance(event, Log) and event.level == "info":
            self.progress_text.setText(event.message)
        elif isinstance(event, DownloadProgress) and event.total_bytes:
            speed = (
                f" at {event.bytes_per_second / 2**20:.1f} MB/s" if event.bytes_per_second else ""
            )
            self.progress_text.setText(
                f"Downloading {event.model}: {event.downloaded_bytes / 2**30:.2f} of "
                f"{event.total_bytes / 2**30:.2f} GB{speed}"
            )

    def _on_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _show_error_dialog(self) -> ErrorDialog | None:
        if self.last_failed is None:
            return None
        dialog = ErrorDialog(self.last_failed, self)
        dialog.open()
        return dialog

    def _show_state(self, state: RunState) -> None:
        active = state in ACTIVE_STATES
        ended = state in (RunState.FINISHED, RunState.STOPPED, RunState.FAILED, RunState.CANCELLED)
        if active or ended:
            self.ensure_chart()
        self.setup_card.setVisible(not active and not ended)
        self.run_card.setVisible(active or ended)
        self.state_label.setText(STATE_WORDS[state])
        if ended:  # no time left to count down once the run is over
            done, total = self.progress.value(), self.progress.maximum()
            self.progress_text.setText(f"Ended at step {done:,} of {total:,}" if done else "")
        paused = state == RunState.PAUSED
        self.pause_button.setText(" Resume" if paused else " Pause")
        self.pause_button.setIcon(icon("play" if paused else "pause"))
        self.pause_button.setAccessibleName("Resume training" if paused else "Pause training")
        self.pause_button.setEnabled(state in (RunState.TRAINING, RunState.PAUSED))
        self.stop_button.setEnabled(state in (RunState.TRAINING, RunState.PAUSED))
        self.cancel_button.setEnabled(active and state != RunState.FINISHING)
        # A run reattached after the window was closed has no control line to the engine:
        # Stop and save and Cancel go as interrupts (engine/commands/train.py); no Pause.
        attached = self.controller.is_attached
        self.pause_button.setVisible(active and not attached)
        self.stop_button.setVisible(active)
        self.cancel_button.setVisible(active)
        if attached and active:
            self.state_label.setText(
                STATE_WORDS[state] + " (kept training in the background; reattached)"
            )
        self.try_button.setVisible(state in (RunState.FINISHED, RunState.STOPPED))
        self.details_button.setVisible(state == RunState.FAILED)
        self.again_button.setVisible(ended)
        run_dir = self.controller.run_dir
        self.resume_button.setVisible(
            state in (RunState.FAILED, RunState.CANCELLED)
            and run_dir is not None
            and latest_checkpoint(run_dir) > 0
        )
        if not active:
            self._refresh_plan()

    def refresh_theme(self) -> None:
        """Redraw icons and the chart after the system switched between light and dark."""
        on_accent = colors()["on_accent"]
        self.start_button.setIcon(icon("play", on_accent))
        self.try_button.setIcon(icon("try", on_accent))
        self.stop_button.setIcon(icon("stop"))
        self.cancel_button.setIcon(icon("cancel"))
        self.resume_button.setIcon(icon("resume"))
        if self.chart is not None:
            self.chart.apply_colors()
        self._show_state(self.controller.state)

    # -- for the tour ---------------------------------------------------------------------------
    def preview(self, state: RunState, events: list[Event]) -> None:
        """Show `state` as if `events` had arrived (no engine; for screenshots)."""
        self.clear_run_view()
        self.show_error_dialogs = False
        for event in events:
            self._on_event(event)
        self._show_state(state)
