"""The sidebar: the user's path as numbered steps (Model, Data, Train, Try it, Share), then
Runs and Settings. Keyboard: arrow keys move, Enter or a click opens the step."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from gui.widgets.theme import icon


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    icon: str
    hint: str


class StepSidebar(QWidget):
    sig_step_chosen = Signal(str)

    def __init__(self, steps: list[Step], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setFixedWidth(210)
        self.steps = steps
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 18, 12, 12)
        brand = QLabel("Quillora")
        brand.setObjectName("brand")
        layout.addWidget(brand)
        self.list = QListWidget()
        self.list.setObjectName("stepList")
        self.list.setAccessibleName("Steps")
        self.list.setIconSize(QSize(18, 18))
        for step in steps:
            item = QListWidgetItem(icon(step.icon), step.label)
            item.setToolTip(step.hint)
            item.setData(256, step.key)
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._on_list_row_changed)
        layout.addWidget(self.list, 1)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    def refresh_icons(self) -> None:
        """Redraw the icons in the current scheme's colours."""
        for row, step in enumerate(self.steps):
            self.list.item(row).setIcon(icon(step.icon))

    def select(self, key: str) -> None:
        for row, step in enumerate(self.steps):
            if step.key == key:
                self.list.setCurrentRow(row)
                return

    def set_label(self, key: str, label: str) -> None:
        for row, step in enumerate(self.steps):
            if step.key == key:
                self.list.item(row).setText(label)

    def _on_list_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.steps):
            self.sig_step_chosen.emit(self.steps[row].key)
