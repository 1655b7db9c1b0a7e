"""Two or more finished runs side by side: settings, data, held-out perplexity, style score and
blind A/B score, one column a run.

Every figure comes from the run report (gui.steps.runs.report), so a run without an
evaluation or a blind test reads "not measured" here too. The best perplexity (lowest) and
style score (highest) are marked, but only among runs measured on the same held-out writing
would the comparison be exact: the note under the table says so in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from gui.steps.runs.report import RunReport, fmt, load_report
from gui.widgets.page import card, header, muted, scrolling_page, section_title
from gui.widgets.theme import colors


@dataclass
class Row:
    """One line of the table: a label, one text per run, and which runs did best on it."""

    label: str
    values: list[str]
    best: set[int] = field(default_factory=set)
    section: str = ""  # a heading shown above the row when it changes


def comparison_rows(reports: list[RunReport]) -> list[Row]:
    """The table's rows for `reports`, in the order of the columns."""
    rows: list[Row] = []

    def add(section: str, label: str, values: list[str], best: set[int] | None = None) -> None:
        rows.append(Row(label, values, best or set(), section))

    add("Run", "Base model", [r.summary.model or "not recorded" for r in reports])
    add("Run", "Started from", [_origin(r) for r in reports])
    for label in reports[0].settings if reports else []:
        values = [_setting(r.settings.get(label)) for r in reports]
        add("Settings", label, values)
    add("Data", "Files", [r.summary.data or "not recorded" for r in reports])
    add("Data", "Examples for training", [fmt(r.train_examples) for r in reports])
    add("Data", "Kept aside to check", [fmt(r.heldout_examples) for r in reports])
    add("Data", "Rights", [r.rights or "not stated" for r in reports])
    perplexity = [r.perplexity.tuned for r in reports]
    add(
        "Results",
        "Held-out perplexity (lower is better)",
        [_with_base(r.perplexity.tuned, r.perplexity.base, 1) for r in reports],
        _best(perplexity, lower=True),
    )
    style = [r.style.tuned for r in reports]
    add(
        "Results",
        "Style score (0 to 1, higher is closer)",
        [_with_base(r.style.tuned, r.style.base, 2) for r in reports],
        _best(style, lower=False),
    )
    add("Results", "Blind test: picked the tuned answer", [_blind(r) for r in reports])
    return rows


def _started(report: RunReport) -> str:
    started = report.summary.started
    when = started.strftime("%d %b %Y, %H:%M") if started else report.created or "not recorded"
    return when


def _origin(report: RunReport) -> str:
    if not report.lineage:
        return "a fresh adapter"
    parent = report.lineage[0]
    label = parent.name or "an earlier run"
    return f"{label} ({parent.created or 'date not recorded'})"


def _setting(value: object) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, str):
        return value.replace("_", " ").capitalize()
    if isinstance(value, float) and value < 0.01:
        return f"{value:g}"
    return fmt(value)  # type: ignore[arg-type]


def _with_base(tuned: float | None, base: float | None, digits: int) -> str:
    if tuned is None:
        return "not measured"
    text = f"{tuned:,.{digits}f}"
    return text + (f" (original {base:,.{digits}f})" if base is not None else "")


def _blind(report: RunReport) -> str:
    score = report.ab
    if not report.ab_taken or score is None:
        return "not taken"
    decided = score.tuned + score.base
    ties = f", {score.ties} could not tell" if score.ties else ""
    return f"{score.tuned} of {decided}{ties}"


def _best(values: list[float | None], lower: bool) -> set[int]:
    """The columns holding the best measured value, when at least two runs were measured."""
    measured = [v for v in values if v is not None]
    if len(measured) < 2:
        return set()
    target = min(measured) if lower else max(measured)
    return {i for i, v in enumerate(values) if v is not None and abs(v - target) < 1e-9}


class RunComparison(QWidget):
    """The comparison view on the Runs step; `show_runs(paths)` fills it."""

    sig_back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reports: list[RunReport] = []
        self.rows: list[Row] = []
        self.cells: dict[tuple[str, int], QLabel] = {}
        layout = scrolling_page(self)
        back = QPushButton("‹  All runs")
        back.setAccessibleName("Back to all runs")
        back.clicked.connect(self.sig_back.emit)
        top = QHBoxLayout()
        top.addWidget(back)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(
            header(
                "Compare runs", "Your runs side by side: what they learned from and how they did."
            )
        )
        self.frame, self.box = card()
        layout.addWidget(self.frame)
        self.note = muted(
            "Perplexity and style score are measured on each run's own kept-aside writing: runs "
            "trained on different writing were checked on different pieces, so compare them as "
            "a guide, and trust the blind test most."
        )
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.grid: QGridLayout | None = None

    def show_runs(self, paths: list) -> None:
        self.reports = [load_report(p) for p in paths]
        self.rows = comparison_rows(self.reports)
        self._rebuild()

    def _rebuild(self) -> None:
        while self.box.count():
            item = self.box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            elif item is not None and item.layout() is not None:
                _clear(item.layout())
        self.cells = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        for column, report in enumerate(self.reports, 1):
            title = QLabel(f"<b>{report.title or 'Run ' + str(column)}</b><br>{_started(report)}")
            title.setWordWrap(True)
            title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            title.setToolTip(str(report.summary.path))
            grid.addWidget(title, 0, column)
        line, section = 1, ""
        for row in self.rows:
            if row.section != section:
                section = row.section
                grid.addWidget(section_title(section), line, 0, 1, len(self.reports) + 1)
                line += 1
            label = QLabel(row.label)
            label.setObjectName("muted")
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, line, 0)
            for column, value in enumerate(row.values):
                cell = QLabel(value)
                cell.setWordWrap(True)
                cell.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                cell.setAccessibleName(f"{row.label}, run {column + 1}")
                if column in row.best:
                    cell.setStyleSheet(f"color: {colors()['ok']}; font-weight: 600;")
                    cell.setToolTip("The best of these runs on this measure")
                grid.addWidget(cell, line, column + 1)
                self.cells[(row.label, column)] = cell
            line += 1
        for column in range(1, len(self.reports) + 1):
            grid.setColumnStretch(column, 1)
        self.grid = grid
        self.box.addLayout(grid)


def _clear(layout: object) -> None:
    from PySide6.QtWidgets import QLayout

    if not isinstance(layout, QLayout):
        return
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()
