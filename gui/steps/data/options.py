"""How a file is read: which sheet of a workbook, and whether a blog's pages and drafts count.

`SourceOptions` appears on the data step when the report shows a single workbook (its sheets
in a combo box, the engine's choice selected) or a blog export (a check box for pages and
drafts, off by default). A change emits a signal; the page asks the engine for a new preview.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QWidget

from engine.contract.config import DataSettings, field_help
from engine.contract.data_report import DataPreview
from gui.widgets.page import Card, note, section_title

BLOG_KINDS = ("wordpress", "substack", "medium")


class SourceOptions(Card):
    """A sheet picker for a workbook and a pages-and-drafts switch for a blog export."""

    sig_sheet_chosen = Signal(str)  # the sheet's name
    sig_pages_and_drafts_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = section_title("Which sheet holds your writing?")
        self.body.addWidget(self.title)
        self.reason = note()
        self.body.addWidget(self.reason)
        self.form = QFormLayout()
        self.sheet_combo = QComboBox()
        self.sheet_combo.setMinimumWidth(220)
        self.sheet_combo.setAccessibleName("Sheet")
        self.sheet_combo.setToolTip(field_help(DataSettings, "sheet"))
        self.sheet_combo.currentIndexChanged.connect(self._on_sheet_combo_changed)
        self.form.addRow("Sheet", self.sheet_combo)
        self.body.addLayout(self.form)
        self.pages_and_drafts = QCheckBox("Also use pages and drafts")
        self.pages_and_drafts.setToolTip(field_help(DataSettings, "include_pages_and_drafts"))
        self.pages_and_drafts.toggled.connect(self.sig_pages_and_drafts_toggled)
        self.body.addWidget(self.pages_and_drafts)

    def reset(self) -> None:
        """New files: pages and drafts are off again (without asking for a preview)."""
        self.pages_and_drafts.blockSignals(True)
        self.pages_and_drafts.setChecked(False)
        self.pages_and_drafts.blockSignals(False)

    def show_report(self, report: DataPreview) -> bool:
        """Offer what fits the report's files; False (and hidden) when nothing does."""
        read = [f for f in report.files if not f.skipped]
        workbook = read[0] if len(report.files) == 1 and read and read[0].sheets else None
        blog = any(f.kind in BLOG_KINDS for f in read)
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        if workbook is not None:
            self.sheet_combo.addItems(list(workbook.sheets))
            self.sheet_combo.setCurrentText(workbook.sheet)
            count = len(workbook.sheets)
            self.reason.setText(
                f"This workbook has {count} sheet{'s' if count > 1 else ''}. Quillora is reading "
                f"'{workbook.sheet}'; choose another if your writing is there."
            )
        self.sheet_combo.blockSignals(False)
        self.form.setRowVisible(self.sheet_combo, workbook is not None)
        self.reason.setVisible(workbook is not None)
        self.pages_and_drafts.setVisible(blog)
        self.title.setText(
            "Which sheet holds your writing?" if workbook is not None else "Which posts to use?"
        )
        offered = workbook is not None or blog
        self.setVisible(offered)
        return offered

    def _on_sheet_combo_changed(self, _index: int) -> None:
        if self.sheet_combo.currentText():
            self.sig_sheet_chosen.emit(self.sheet_combo.currentText())
