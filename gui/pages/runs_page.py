"""The Runs step: every run in the data folder, newest first, with what can be done next.

Each row: date, model, data, loss sparkline, state; Resume (stopped with a checkpoint), Try it
(finished), Open folder, Delete (confirmed). Reads run folders only; never starts the engine.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.paths import runs_dir
from gui.run_files import RunSummary, delete_run, list_runs
from gui.theme import colors, icon
from gui.widgets.page import card, header, muted, scrolling_page
from gui.widgets.sparkline import Sparkline

STATE_LABELS = {
    "running": "Training now",
    "finished": "Finished",
    "stopped": "Stopped and saved",
    "failed": "Did not finish",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted",
    "unknown": "Not started",
}


class RunsPage(QWidget):
    sig_resume_requested = Signal(object)  # Path of the run folder
    sig_try_requested = Signal(object)  # Path
    sig_watch_requested = Signal(object)  # Path of a run training in the background

    def __init__(self, parent: QWidget | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root
        layout = scrolling_page(self)
        layout.addWidget(header("Runs", "Everything you have trained on this computer."))
        self.rows_host = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_host)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(10)
        layout.addWidget(self.rows_host)
        layout.addStretch(1)
        self.summaries: list[RunSummary] = []

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        while self.rows_layout.count():
            item = self.rows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.summaries = list_runs(self.root or runs_dir())
        if not self.summaries:
            self.rows_layout.addWidget(
                muted("No runs yet. Train one on the Train step, or try the demo.")
            )
            return
        for summary in self.summaries:
            self.rows_layout.addWidget(self._row(summary))

    def _row(self, run: RunSummary) -> QWidget:
        frame, box = card()
        line = QHBoxLayout()
        box.addLayout(line)
        text = QWidget()
        info = QVBoxLayout(text)
        info.setContentsMargins(0, 0, 0, 0)
        when = run.started.strftime("%d %b %Y, %H:%M") if run.started else run.name
        title = QLabel(f"<b>{when}</b> · {run.model or 'unknown model'}")
        info.addWidget(title)
        steps = f"{run.steps:,} of {run.total_steps:,} steps" if run.total_steps else "no steps"
        info.addWidget(muted(f"{run.data or 'unknown data'} · {steps}"))
        state = QLabel(STATE_LABELS.get(run.state, run.state))
        color = {"finished": "ok", "stopped": "ok", "failed": "error", "running": "accent"}
        state.setStyleSheet(f"color: {colors()[color.get(run.state, 'muted')]}; font-weight: 600;")
        info.addWidget(state)
        line.addWidget(text, 1)
        line.addWidget(Sparkline(run.losses))
        line.addSpacing(12)
        actions = QWidget()
        actions.setFixedWidth(250)
        buttons = QHBoxLayout(actions)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        if run.live:
            watch = QPushButton("Watch")
            watch.clicked.connect(lambda: self.sig_watch_requested.emit(run.path))
            buttons.addWidget(watch)
        if run.resumable:
            resume = QPushButton(icon("resume"), " Resume")
            resume.setAccessibleName(f"Resume run {run.name}")
            resume.clicked.connect(lambda: self.sig_resume_requested.emit(run.path))
            buttons.addWidget(resume)
        if run.state in ("finished", "stopped"):
            try_it = QPushButton(icon("try"), " Try it")
            try_it.clicked.connect(lambda: self.sig_try_requested.emit(run.path))
            buttons.addWidget(try_it)
        folder = QToolButton()
        folder.setIcon(icon("folder"))
        folder.setToolTip("Open the run's folder")
        folder.setAccessibleName(f"Open the folder of run {run.name}")
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(run.path))))
        buttons.addWidget(folder)
        delete = QToolButton()
        delete.setIcon(icon("trash"))
        delete.setToolTip("Delete this run")
        delete.setAccessibleName(f"Delete run {run.name}")
        delete.setEnabled(not run.live)
        delete.clicked.connect(lambda: self.confirm_delete(run))
        buttons.addWidget(delete)
        line.addWidget(actions)
        return frame

    def confirm_delete(self, run: RunSummary) -> bool:
        answer = QMessageBox.question(
            self,
            "Delete this run?",
            f"This deletes the run from {run.name}, its checkpoints and its adapter from this "
            "computer. Your own data files are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        delete_run(run.path)
        self.refresh()
        return True
