"""One run in detail, reached by clicking it on the Runs step: does it sound like you?

Shows the run's date, state and base model; its evaluation (held-out loss and perplexity, style
score, base versus tuned, with the engine's plain sentences) and the blind A/B result; the
loss curve; the settings and a data summary with the rights answer and redaction counts. Every
figure comes from the run folder (gui.steps.runs.report); what a run lacks reads "not measured".
A run trained with Train more shows its lineage: the earlier runs it continued from, each
with its date and data. Buttons: model card, Try it / blind test, Train more, Resume, Open
folder, Delete. Never starts the engine.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui.steps.runs.report import Ancestor, Pair, RunReport, fmt, load_report, read_card
from gui.widgets.page import card, header, muted, open_in_system, scrolling_page, section_title
from gui.widgets.theme import colors, icon

STATE_WORDS = {
    "running": "Training now",
    "finished": "Finished",
    "stopped": "Stopped and saved",
    "failed": "Did not finish",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted",
    "unknown": "Not started",
}
NOT_MEASURED_EVAL = (
    "Not measured for this run. Runs trained before Quillora measured its results, and runs "
    "that stopped early, have no evaluation."
)


class CardDialog(QDialog):
    """The run's model card, rendered from its Markdown, read-only."""

    def __init__(self, text: str, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model card")
        self.resize(760, 640)
        layout = QVBoxLayout(self)
        self.view = QTextEdit()
        self.view.setReadOnly(True)
        self.view.document().setDocumentMargin(18)
        self.view.setMarkdown(strip_front_matter(text))
        self.view.setAccessibleName("Model card")
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        open_file = buttons.addButton("Open the file", QDialogButtonBox.ButtonRole.ActionRole)
        open_file.clicked.connect(lambda: open_in_system(path))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class RunDetail(QWidget):
    """The detail view; `show_run(path)` fills it, `sig_back` returns to the list."""

    sig_back = Signal()
    sig_resume_requested = Signal(object)  # Path
    sig_try_requested = Signal(object)  # Path
    sig_blind_requested = Signal(object)  # Path: the blind test on the Try it step
    sig_delete_requested = Signal(object)  # Path; the Runs page asks and deletes
    sig_train_more_requested = Signal(object)  # Path: a new run that starts from this one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: RunReport | None = None
        self.card_dialog: CardDialog | None = None
        layout = scrolling_page(self)
        back = QPushButton("‹  All runs")
        back.setAccessibleName("Back to all runs")
        back.clicked.connect(self.sig_back.emit)
        top = QHBoxLayout()
        top.addWidget(back)
        top.addStretch(1)
        layout.addLayout(top)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(16)
        layout.addWidget(self.body)
        layout.addStretch(1)

    @property
    def run_dir(self) -> Path | None:
        return self.report.summary.path if self.report else None

    def show_run(self, run_dir: Path) -> None:
        self.report = load_report(Path(run_dir))
        self._rebuild()

    def reload(self) -> None:
        if self.run_dir is not None:
            self.show_run(self.run_dir)

    # -- building ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: deleteLater() leaves it painted until the loop runs
                widget.deleteLater()
        report = self.report
        if report is None:
            return
        run = report.summary
        when = run.started.strftime("%d %b %Y, %H:%M") if run.started else run.name
        state = STATE_WORDS.get(run.state, run.state)
        self.body_layout.addWidget(
            header(f"Run of {when}", f"{run.model or 'Unknown model'} · {state}")
        )
        self.body_layout.addWidget(self._actions(report))
        if report.lineage:
            self.body_layout.addWidget(self._lineage(report))
        self.body_layout.addWidget(self._evaluation(report))
        self.body_layout.addWidget(self._blind(report))
        self.body_layout.addWidget(self._chart(report))
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(16)
        line.addWidget(self._settings(report), 1)
        line.addWidget(self._data(report), 1)
        self.body_layout.addWidget(row)

    def _actions(self, report: RunReport) -> QWidget:
        run = report.summary
        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        self.card_button = QPushButton("Model card")
        self.card_button.setEnabled(report.card is not None)
        self.card_button.setToolTip(
            "What this adapter is, what it learned from and how it measured"
            if report.card
            else "This run has no model card (older runs and unfinished runs do not)."
        )
        self.card_button.clicked.connect(self.open_card)
        line.addWidget(self.card_button)
        if run.state in ("finished", "stopped"):
            try_it = QPushButton(icon("try"), " Try it")
            try_it.clicked.connect(lambda: self.sig_try_requested.emit(run.path))
            line.addWidget(try_it)
        self.train_more_button: QPushButton | None = None
        if run.state in ("finished", "stopped") and (run.path / "adapter").is_dir():
            self.train_more_button = more = QPushButton(icon("train"), " Train more")
            more.setToolTip(
                "Start a new run from this model with new or added writing: choose the writing "
                "on the Data step; the settings start as this run's. This run stays as it is."
            )
            more.clicked.connect(lambda: self.sig_train_more_requested.emit(run.path))
            line.addWidget(more)
        if run.resumable:
            resume = QPushButton(icon("resume"), " Resume")
            resume.clicked.connect(lambda: self.sig_resume_requested.emit(run.path))
            line.addWidget(resume)
        folder = QPushButton(icon("folder"), " Open folder")
        folder.clicked.connect(lambda: open_in_system(run.path))
        line.addWidget(folder)
        line.addStretch(1)
        delete = QPushButton(icon("trash", colors()["error"]), " Delete")
        delete.setObjectName("danger")
        delete.setAccessibleName(f"Delete run {run.name}")
        delete.setEnabled(not run.live)
        delete.clicked.connect(lambda: self.sig_delete_requested.emit(run.path))
        line.addWidget(delete)
        return box

    def _lineage(self, report: RunReport) -> QWidget:
        """Oldest run first, down to this one: each with its date and the writing it added."""
        frame, box = card()
        box.addWidget(section_title("Where this model comes from"))
        box.addWidget(
            muted(
                "This run did not start from scratch: it continued the model of an earlier "
                "run, so it learned from that run's writing too."
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.lineage_rows: list[QLabel] = []
        generations = [*reversed(report.lineage), None]  # None: this run
        for row, ancestor in enumerate(generations):
            arrow = QLabel("↓" if row else "")
            arrow.setObjectName("muted")
            text = QLabel(_generation_text(ancestor, report))
            text.setWordWrap(True)
            text.setAccessibleName("This run" if ancestor is None else "Earlier run")
            self.lineage_rows.append(text)
            grid.addWidget(arrow, row, 0)
            grid.addWidget(text, row, 1)
            if ancestor is not None and ancestor.still_here and ancestor.path is not None:
                open_it = QPushButton("Open")
                open_it.setAccessibleName(f"Open the earlier run {ancestor.path.name}")
                open_it.clicked.connect(lambda _=False, p=ancestor.path: self.show_run(p))
                grid.addWidget(open_it, row, 2)
            elif ancestor is not None:
                grid.addWidget(muted("no longer on this computer"), row, 2)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        return frame

    def _evaluation(self, report: RunReport) -> QWidget:
        frame, box = card()
        box.addWidget(section_title("Does it sound like you?"))
        if not report.has_evaluation:
            text = NOT_MEASURED_EVAL + (f" {report.eval_note}" if report.eval_note else "")
            self.eval_note = muted(text)
            box.addWidget(self.eval_note)
            return frame
        if report.heldout_examples:
            box.addWidget(
                muted(
                    f"Measured on {report.heldout_examples:,} pieces of your writing that the "
                    "model never trained on."
                )
            )
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(8)
        for col, title in enumerate(("", "Original model", "Tuned (this run)")):
            label = QLabel(f"<b>{title}</b>")
            label.setObjectName("statLabel")
            grid.addWidget(label, 0, col)
        rows = (
            ("Perplexity", "lower is better: how surprised it is by your writing", "lower", 1),
            ("Held-out loss", "lower is better", "lower", 2),
            ("Style score", "0 to 1, higher is closer to your writing", "higher", 2),
        )
        pairs = (report.perplexity, report.loss, report.style)
        self.figures: dict[str, tuple[QLabel, QLabel]] = {}
        for row, ((name, hint, better, digits), pair) in enumerate(
            zip(rows, pairs, strict=True), 1
        ):
            label = QLabel(f"{name}<br><span style='color:{colors()['muted']}'>{hint}</span>")
            grid.addWidget(label, row, 0)
            base, tuned = QLabel(_fixed(pair.base, digits)), QLabel(_fixed(pair.tuned, digits))
            for widget in (base, tuned):
                widget.setAccessibleName(f"{name}, {'original' if widget is base else 'tuned'}")
            if _improved(pair, better):
                tuned.setStyleSheet(f"color: {colors()['ok']}; font-weight: 600;")
            grid.addWidget(base, row, 1)
            grid.addWidget(tuned, row, 2)
            self.figures[name] = (base, tuned)
        grid.setColumnStretch(3, 1)
        box.addLayout(grid)
        for sentence in report.eval_sentences:
            line = QLabel(f"• {sentence}")
            line.setWordWrap(True)
            box.addWidget(line)
        return frame

    def _blind(self, report: RunReport) -> QWidget:
        frame, box = card()
        box.addWidget(section_title("Blind test: which answer sounds like you?"))
        run = report.summary
        self.blind_button: QPushButton | None = None
        if report.ab_taken and report.ab is not None:
            score = report.ab
            decided = score.tuned + score.base
            big = QLabel(f"{score.tuned} of {decided}")
            big.setObjectName("bigNumber")
            big.setAccessibleName("Times you picked the tuned answer")
            line = QHBoxLayout()
            line.addWidget(big)
            line.addWidget(muted("times you picked the tuned model's answer"), 1)
            box.addLayout(line)
            self.ab_label = QLabel(score.verdict)
            self.ab_label.setWordWrap(True)
            box.addWidget(self.ab_label)
            extra = []
            if score.ties:
                extra.append(f"{score.ties} could not tell")
            if score.unanswered:
                extra.append(f"{score.unanswered} not answered yet")
            if extra:
                box.addWidget(muted("; ".join(extra).capitalize() + "."))
            again = "Carry on with the blind test" if score.unanswered else "Take it again"
        elif run.state not in ("finished", "stopped"):
            self.ab_label = muted(
                "Not taken. The blind test needs a finished run: this one has no tuned model "
                "to compare yet."
            )
            box.addWidget(self.ab_label)
            return frame
        else:
            self.ab_label = muted(
                "Not taken yet. Try it on the Try it step: you see two unlabelled answers to "
                "the same prompt and pick the one that sounds more like you."
            )
            box.addWidget(self.ab_label)
            again = "Take the blind test"
        self.blind_button = button = QPushButton(again)
        button.clicked.connect(lambda: self.sig_blind_requested.emit(run.path))
        line = QHBoxLayout()
        line.addWidget(button)
        line.addStretch(1)
        box.addLayout(line)
        return frame

    def _chart(self, report: RunReport) -> QWidget:
        frame, box = card()
        box.addWidget(section_title("How training went"))
        # pyqtgraph + numpy take ~0.3 s to import: not while the first window opens (the Runs
        # page, which imports this module, is the first page people who trained before see).
        from gui.widgets.loss_chart import LossChart

        self.chart = LossChart()
        self.chart.setMinimumHeight(230)
        for step, loss in report.summary.train_points:  # read once, by load_report
            self.chart.add_train(step, loss)
        for step, loss in report.summary.heldout:
            self.chart.add_heldout(step, loss)
        if not self.chart.steps:
            box.addWidget(muted("No training steps were recorded for this run."))
            self.chart.setVisible(False)
        box.addWidget(self.chart)
        return frame

    def _settings(self, report: RunReport) -> QWidget:
        frame, box = card()
        box.addWidget(section_title("Settings"))
        rows = []
        for label, value in report.settings.items():
            if label == "Step limit" and value is None:
                continue
            if label == "Dial" and isinstance(value, str):
                shown = value.replace("_", " ").capitalize()
            elif label == "Learning rate" and isinstance(value, float):
                shown = f"{value:g}"
            elif label == "Sequence length" and value is not None:
                shown = f"{value:,} tokens"
            elif value is None:
                shown = "not recorded"
            else:
                shown = fmt(value)
            rows.append((label, shown))
        box.addLayout(_pairs_grid(rows))
        box.addStretch(1)
        return frame

    def _data(self, report: RunReport) -> QWidget:
        frame, box = card()
        box.addWidget(section_title("Your data"))
        run = report.summary
        rows: list[tuple[str, str]] = [("Files", run.data or "not recorded")]
        if report.has_manifest:
            examples = f"{fmt(report.train_examples)} for training"
            examples += f", {fmt(report.heldout_examples)} kept aside to check"
            rows.append(("Examples", examples))
            if report.files_skipped:
                rows.append(("Skipped", f"{report.files_skipped} file(s) could not be read"))
            if report.rows_dropped:
                left = ", ".join(f"{n:,} {why}" for why, n in sorted(report.rows_dropped.items()))
                rows.append(("Left out", left))
        rows.append(("Rights", report.rights or "not stated"))
        if not report.has_manifest:
            rows.append(("Summary", "not recorded (no data manifest in this run)"))
        elif report.redact_chosen:
            counts = ", ".join(
                f"{label.lower()}: {n:,}" for label, n in sorted(report.redactions.items())
            )
            rows.append(("Personal data", counts or "replaced if found; none was found"))
        else:
            rows.append(("Personal data", "no redaction chosen"))
        box.addLayout(_pairs_grid(rows))
        box.addStretch(1)
        return frame

    # -- actions ----------------------------------------------------------------------------
    def open_card(self) -> CardDialog | None:
        report = self.report
        text = read_card(report.card if report else None)
        if report is None or report.card is None or text is None:
            self.card_button.setEnabled(False)
            self.card_button.setToolTip("The model card could not be read.")
            return None
        self.card_dialog = CardDialog(text, report.card, self)
        self.card_dialog.show()
        return self.card_dialog


def strip_front_matter(text: str) -> str:
    """The card without its YAML header (for the Hugging Face Hub), which Markdown would show
    as stray lines."""
    match = re.match(r"---\s*\n.*?\n---\s*\n", text, re.DOTALL)
    return text[match.end() :] if match else text


def _generation_text(ancestor: Ancestor | None, report: RunReport) -> str:
    if ancestor is None:
        when = report.created or (
            report.summary.started.strftime("%Y-%m-%d %H:%M") if report.summary.started else ""
        )
        steps = report.settings.get("Steps trained")
        title, examples, files = "This run", report.train_examples, report.files_used
    else:
        when, steps = ancestor.created, ancestor.steps
        title = ancestor.name or "Earlier run"
        examples, files = ancestor.train_examples, ancestor.files
    data = (
        f"{fmt(examples)} examples from {fmt(files)} file(s)"
        if examples is not None
        else "data not recorded"
    )
    trained = f"{fmt(steps)} steps" if steps is not None else "steps not recorded"
    return f"<b>{title}</b> · {when or 'date not recorded'} · {trained} · {data}"


def _fixed(value: float | None, decimals: int) -> str:
    return "not measured" if value is None else f"{value:,.{decimals}f}"


def _improved(pair: Pair, better: str) -> bool:
    if pair.base is None or pair.tuned is None:
        return False
    return pair.tuned < pair.base if better == "lower" else pair.tuned > pair.base


def _pairs_grid(rows: list[tuple[str, str]]) -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(18)
    grid.setVerticalSpacing(6)
    for i, (label, value) in enumerate(rows):
        name = QLabel(label)
        name.setObjectName("muted")
        name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        shown = QLabel(value)
        shown.setWordWrap(True)
        shown.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        shown.setAccessibleName(label)
        grid.addWidget(name, i, 0)
        grid.addWidget(shown, i, 1)
    grid.setColumnStretch(1, 1)
    return grid
