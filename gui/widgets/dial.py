"""The one plain dial: quick, balanced or thorough, as three large exclusive buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from engine.contract.config import Dial

CHOICES: tuple[tuple[Dial, str, str], ...] = (
    ("quick", "Quick", "A first try in the least time."),
    ("balanced", "Balanced", "Suits most people and most data."),
    ("thorough", "Thorough", "Longest; the closest match to your voice."),
)


class DialSelector(QWidget):
    sig_dial_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for key, title, text in CHOICES:
            button = QPushButton(f"{title}\n{text}")
            button.setObjectName("dialChoice")
            button.setCheckable(True)
            button.setMinimumHeight(64)
            button.setAccessibleName(f"{title}: {text}")
            self.group.addButton(button)
            self.buttons[key] = button
            layout.addWidget(button, 1)
            button.toggled.connect(lambda on, k=key: self._on_button_toggled(k, on))
        self.buttons["balanced"].setChecked(True)

    def _on_button_toggled(self, key: str, on: bool) -> None:
        if on:
            self.sig_dial_changed.emit(key)

    def value(self) -> Dial:
        for key, button in self.buttons.items():
            if button.isChecked():
                return key  # type: ignore[return-value]
        return "balanced"

    def set_value(self, dial: str) -> None:
        if dial in self.buttons:
            self.buttons[dial].setChecked(True)
