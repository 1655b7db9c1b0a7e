"""The Runs step: every run in the data folder, newest first, with what can be done next.

Each row: date, model, data, loss sparkline, state; Resume (stopped with a checkpoint), Try it
(finished), Open folder, Delete (confirmed). Clicking a row (or Details) opens the run's page
(gui.steps.runs.detail): evaluation, blind test, loss curve, settings, data, model card.
Ticking "Compare" on two or more finished runs and pressing "Compare runs" shows them side by
side (gui.steps.runs.compare).
Reads run folders; the engine runs only for the two errands of runs that travel
(gui.steps.runs.travel): "Train on a server" writes a folder for a rented server, "Open a
finished run" brings the server's run folder back into this list (docs/server.md).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.events import Failed
from engine.contract.paths import runs_dir
from gui.core.messages import ErrorDialog
from gui.core.run_files import RunSummary, delete_run, list_runs, summarize
from gui.steps.runs.compare import RunComparison
from gui.steps.runs.detail import STATE_WORDS, RunDetail
from gui.steps.runs.travel import TravelController
from gui.widgets.page import header, muted, open_in_system, scrolling_page
from gui.widgets.sparkline import Sparkline
from gui.widgets.theme import colors, icon


class _ClickableCard(QFrame):
    """A run's row: a click anywhere outside its buttons opens the run's page."""

    def __init__(self, on_click: object) -> None:
        super().__init__()
        self._on_click = on_click
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self._on_click()  # type: ignore[operator]
        super().mouseReleaseEvent(event)


class RunsPage(QWidget):
    sig_resume_requested = Signal(object)  # Path of the run folder
    sig_try_requested = Signal(object)  # Path
    sig_blind_requested = Signal(object)  # Path: the blind test on the Try it step
    sig_watch_requested = Signal(object)  # Path of a run training in the background
    sig_server_folder_written = Signal(object)  # Path of a folder written for a server
    sig_run_opened = Signal(object)  # Path of a run brought back into this computer's runs
    sig_train_more_requested = Signal(object)  # Path of the finished run to continue from

    def __init__(self, parent: QWidget | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.list_view = QWidget()
        self.stack.addWidget(self.list_view)
        self.detail = RunDetail()
        self.stack.addWidget(self.detail)
        self.detail.sig_back.connect(self.show_list)
        self.detail.sig_resume_requested.connect(self.sig_resume_requested.emit)
        self.detail.sig_try_requested.connect(self.sig_try_requested.emit)
        self.detail.sig_blind_requested.connect(self.sig_blind_requested.emit)
        self.detail.sig_delete_requested.connect(self._on_detail_delete)
        self.detail.sig_train_more_requested.connect(self.sig_train_more_requested.emit)
        self.comparison = RunComparison()
        self.stack.addWidget(self.comparison)
        self.comparison.sig_back.connect(self.show_list)
        self.chosen: list[Path] = []  # runs ticked for comparison, in the order ticked
        layout = scrolling_page(self.list_view)
        layout.addWidget(header("Runs", "Everything you have trained on this computer."))
        travel_row = QHBoxLayout()
        self.travel_note = muted("")
        self.travel_note.setWordWrap(True)
        travel_row.addWidget(self.travel_note, 1)
        self.open_button = QPushButton(icon("folder"), " Open a finished run…")
        self.open_button.setToolTip(
            "Bring back a run trained on a server: choose the 'run' folder it gave you"
        )
        self.open_button.clicked.connect(self._on_open_clicked)
        travel_row.addWidget(self.open_button)
        self.compare_button = QPushButton("Compare runs")
        self.compare_button.setToolTip("Tick 'Compare' on two or more finished runs first")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(lambda: self.show_comparison(self.chosen))
        travel_row.addWidget(self.compare_button)
        layout.addLayout(travel_row)
        self.travel = TravelController(self)
        self.travel.sig_server_folder_written.connect(self._on_travel_server_folder_written)
        self.travel.sig_run_opened.connect(self._on_travel_run_opened)
        self.travel.sig_failed.connect(self._on_travel_failed)
        self.error_dialog: ErrorDialog | None = None
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

    def show_detail(self, run_dir: Path) -> None:
        """Open one run's page (evaluation, blind test, curve, settings, data)."""
        self.detail.show_run(Path(run_dir))
        self.stack.setCurrentWidget(self.detail)

    def show_comparison(self, run_dirs: list[Path]) -> None:
        """Two or more runs side by side (settings, data, perplexity, style, blind test)."""
        if len(run_dirs) < 2:
            return
        self.comparison.show_runs([Path(p) for p in run_dirs])
        self.stack.setCurrentWidget(self.comparison)

    def set_compared(self, run_dir: Path, chosen: bool) -> None:
        """Tick or untick a run for comparison."""
        run_dir = Path(run_dir)
        if chosen and run_dir not in self.chosen:
            self.chosen.append(run_dir)
        elif not chosen and run_dir in self.chosen:
            self.chosen.remove(run_dir)
        count = len(self.chosen)
        self.compare_button.setText(f"Compare runs ({count})" if count else "Compare runs")
        self.compare_button.setEnabled(count >= 2)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_view)
        self.refresh()

    def _on_detail_delete(self, run_dir: Path) -> None:
        if self.confirm_delete(summarize(Path(run_dir))):
            self.show_list()

    def refresh(self) -> None:
        if self.stack.currentWidget() is self.detail:
            if self.detail.run_dir is not None and self.detail.run_dir.is_dir():
                self.detail.reload()
            else:
                self.stack.setCurrentWidget(self.list_view)
        while self.rows_layout.count():
            item = self.rows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.summaries = list_runs(self.root or runs_dir())
        comparable = {s.path for s in self.summaries if s.state in ("finished", "stopped")}
        for gone in [p for p in self.chosen if p not in comparable]:
            self.set_compared(gone, False)
        if not self.summaries:
            self.rows_layout.addWidget(
                muted("No runs yet. Train one on the Train step, or try the demo.")
            )
            return
        for summary in self.summaries:
            self.rows_layout.addWidget(self._row(summary))

    def _row(self, run: RunSummary) -> QWidget:
        frame = _ClickableCard(lambda: self.show_detail(run.path))
        frame.setObjectName("card")
        frame.setToolTip("Open this run: its results, settings and data")
        box = QVBoxLayout(frame)
        box.setContentsMargins(20, 18, 20, 18)
        line = QHBoxLayout()
        box.addLayout(line)
        text = QWidget()
        info = QVBoxLayout(text)
        info.setContentsMargins(0, 0, 0, 0)
        when = run.started.strftime("%d %b %Y, %H:%M") if run.started else run.name
        title = QLabel(f"<b>{when}</b> · {run.model or 'unknown model'}")
        info.addWidget(title)
        steps = f"{run.steps:,} of {run.total_steps:,} steps" if run.total_steps else "no steps"
        where = ""
        if run.from_elsewhere or run.processes > 1:
            shape = f" on {run.processes} processes" if run.processes > 1 else ""
            where = f" · trained on a server{shape}" if run.from_elsewhere else f" · {shape[1:]}"
        info.addWidget(muted(f"{run.data or 'unknown data'} · {steps}{where}"))
        state = QLabel(STATE_WORDS.get(run.state, run.state))
        color = {"finished": "ok", "stopped": "ok", "failed": "error", "running": "accent"}
        state.setStyleSheet(f"color: {colors()[color.get(run.state, 'muted')]}; font-weight: 600;")
        info.addWidget(state)
        line.addWidget(text, 1)
        line.addWidget(Sparkline(run.losses))
        line.addSpacing(12)
        actions = QWidget()
        actions.setFixedWidth(330)
        buttons = QHBoxLayout(actions)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        details = QPushButton("Details")
        details.setAccessibleName(f"Details of run {run.name}")
        details.clicked.connect(lambda: self.show_detail(run.path))
        buttons.addWidget(details)
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
            compare = QCheckBox("Compare")
            compare.setAccessibleName(f"Compare run {run.name}")
            compare.setToolTip("Tick two or more runs, then press Compare runs at the top")
            compare.setChecked(run.path in self.chosen)
            compare.toggled.connect(lambda on, p=run.path: self.set_compared(p, on))
            info.addWidget(compare)
        server = QToolButton()
        server.setIcon(icon("share"))
        server.setToolTip(
            "Train on a server: write a folder to run these settings on a rented GPU server"
        )
        server.setAccessibleName(f"Train run {run.name} on a server")
        server.setEnabled(not run.live)
        server.clicked.connect(lambda: self._on_server_clicked(run.path))
        buttons.addWidget(server)
        folder = QToolButton()
        folder.setIcon(icon("folder"))
        folder.setToolTip("Open the run's folder")
        folder.setAccessibleName(f"Open the folder of run {run.name}")
        folder.clicked.connect(lambda: open_in_system(run.path))
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

    # -- runs that travel (gui.travel) --------------------------------------------------
    def _on_server_clicked(self, run_dir: Path) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose where to write the folder for the server", str(Path.home())
        )
        if chosen:
            self.send_to_server(run_dir, Path(chosen) / f"quillora-server-{run_dir.name}")

    def send_to_server(self, run_dir: Path, out: Path) -> None:
        """Write the server folder for `run_dir` at `out` (a new folder)."""
        if self._set_travel_busy("Writing the folder for the server…"):
            self.travel.write_server_folder(run_dir, out)

    def _on_open_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose the run folder the server gave back", str(Path.home())
        )
        if chosen:
            self.open_finished_run(Path(chosen))

    def open_finished_run(self, folder: Path) -> None:
        """Copy a run trained elsewhere into this computer's runs (the folder is only read)."""
        if self._set_travel_busy("Opening the run…"):
            self.travel.open_finished_run(folder)

    def _set_travel_busy(self, note: str) -> bool:
        """Show `note`; False (and a note saying so) while the previous errand still runs."""
        if self.travel.busy:
            self.travel_note.setText("One moment: the previous folder is still being written.")
            return False
        self.travel_note.setText(note)
        self.open_button.setEnabled(False)
        return True

    def _on_travel_server_folder_written(self, folder: Path) -> None:
        self.open_button.setEnabled(True)
        self.travel_note.setText(
            f"The folder for the server is ready: {folder}. Copy it to the server and run "
            "./launch.sh there (its README says how); then open the 'run' folder it gives back."
        )
        self.sig_server_folder_written.emit(folder)

    def _on_travel_run_opened(self, run_dir: Path, base_ready: bool) -> None:
        self.open_button.setEnabled(True)
        note = f"Opened {run_dir.name}: it is in the list below."
        if not base_ready:
            note += " To try it, first download its base model on the Model step."
        self.travel_note.setText(note)
        self.refresh()
        self.sig_run_opened.emit(run_dir)

    def _on_travel_failed(self, failed: Failed) -> None:
        self.open_button.setEnabled(True)
        self.travel_note.setText("")
        self.error_dialog = ErrorDialog(failed, self)
        self.error_dialog.open()  # window-modal, without blocking the event loop
