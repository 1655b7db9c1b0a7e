"""Stand-ins used when gui/steps/model/page.py or data_page.py is missing.

They have the same signals and setters as the real pages (see gui/steps/__init__.py), so the
main window, the demo button and the tests work before those pages land.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from gui.core.selection import DataSelection
from gui.widgets.page import header, muted, scrolling_page


class FallbackModelPage(QWidget):
    sig_model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = scrolling_page(self)
        layout.addWidget(header("Model", "Type a Hugging Face model id or 'demo'."))
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("demo, or e.g. Qwen/Qwen2.5-0.5B-Instruct")
        self.edit.setAccessibleName("Model name")
        choose = QPushButton("Use this model")
        choose.setObjectName("primary")
        choose.clicked.connect(lambda: self.set_model(self.edit.text().strip()))
        row.addWidget(self.edit, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        layout.addStretch(1)

    def set_model(self, name: str) -> None:
        if name:
            self.edit.setText(name)
            self.sig_model_chosen.emit(name)

    def set_doctor_report(self, report: object) -> None:
        pass


class FallbackDataPage(QWidget):
    sig_data_ready = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = scrolling_page(self)
        layout.addWidget(header("Data", "Choose the writing the model should learn from."))
        self.summary = muted("No files chosen yet.")
        pick = QPushButton("Choose files…")
        pick.clicked.connect(self._on_pick_clicked)
        layout.addWidget(pick)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def set_sources(self, paths: list[str]) -> None:
        if not paths:
            return
        selection = DataSelection(sources=tuple(paths))
        self.summary.setText(selection.summary())
        self.sig_data_ready.emit(selection)

    def set_model(self, name: str) -> None:
        pass

    def _on_pick_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Choose your writing",
            str(Path.home()),
            "Writing (*.csv *.jsonl *.txt *.md *.docx)",
        )
        self.set_sources(files)
