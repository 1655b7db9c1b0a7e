"""A labelled number on the Train page (loss, speed, memory, time left)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class StatTile(QFrame):
    def __init__(self, label: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.caption = QLabel(label)
        self.caption.setObjectName("statLabel")
        self.value = QLabel("–")
        self.value.setObjectName("bigNumber")
        self.value.setAccessibleName(label)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        if tooltip:
            self.setToolTip(tooltip)

    def set(self, text: str) -> None:
        self.value.setText(text)
