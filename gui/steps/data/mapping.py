"""Column mapping and the rights question of the data step.

`MappingPanel` shows the engine's guess of which column holds the writing (and, optionally,
the request it answers and an instruction) in combo boxes the user can correct; a change
emits `sig_mapping_changed` so the page asks the engine for a new preview. `RightsPanel`
asks whose writing this is; the answer is required before continuing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QRadioButton,
    QWidget,
)

from engine.contract.config import DataSettings, field_help
from engine.contract.data_report import ColumnMapping
from gui.widgets.page import Card, note, section_title

NONE_CHOICE = "(none)"
CHOOSE_CHOICE = "Choose a column…"  # the writing picker when no column looked like writing

RIGHTS_CHOICES: tuple[tuple[str, str], ...] = (
    ("i_wrote_it", "I wrote this myself"),
    ("organisation_owns_it", "My organisation owns it"),
    ("have_permission", "I have permission from the people who wrote it"),
    ("other", "Other or not sure"),
)


class MappingPanel(Card):
    """Three combo boxes: writing (required), request and instruction (optional)."""

    sig_mapping_changed = Signal(str, str, str)  # text, prompt, system column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(section_title("Which column holds your writing?"))
        self.reason = note()
        self.body.addWidget(self.reason)
        form = QFormLayout()
        self.text_combo = QComboBox()
        self.prompt_combo = QComboBox()
        self.system_combo = QComboBox()
        for combo, field_name, label in (
            (self.text_combo, "text_column", "Your writing"),
            (self.prompt_combo, "prompt_column", "The request it answers (optional)"),
            (self.system_combo, "system_column", "An instruction or brief (optional)"),
        ):
            combo.setToolTip(field_help(DataSettings, field_name))
            combo.setAccessibleName(label)
            combo.setMinimumWidth(220)
            combo.currentIndexChanged.connect(self._on_combo_changed)
            form.addRow(label, combo)
        self.body.addLayout(form)
        self.mode = note(muted=False)
        self.body.addWidget(self.mode)
        self._filling = False

    def show_mapping(self, mapping: ColumnMapping) -> None:
        """Fill the pickers with the columns found and select the mapping in effect."""
        self._filling = True
        columns = list(mapping.columns) or [c for c in (mapping.text, mapping.prompt) if c]
        for combo, value, optional in (
            (self.text_combo, mapping.text, False),
            (self.prompt_combo, mapping.prompt, True),
            (self.system_combo, mapping.system, True),
        ):
            combo.clear()
            if optional:
                combo.addItem(NONE_CHOICE, "")
            elif not value:
                combo.addItem(CHOOSE_CHOICE, "")
            for column in columns:
                combo.addItem(column, column)
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        self._filling = False
        how = "Quillora guessed" if mapping.guessed else "You chose"
        self.reason.setText(f"{how}: {mapping.reason}" if mapping.reason else how + ".")
        if not mapping.text:
            self.reason.setText("No column looks like writing: choose the one that holds it.")
        if mapping.mode == "answer":
            self.mode.setText("The model will learn to answer each request the way you did.")
        else:
            self.mode.setText(
                "The model will learn to write like this (pick a request column to teach it "
                "to answer requests instead)."
            )

    def selection(self) -> tuple[str, str, str]:
        return (
            str(self.text_combo.currentData() or ""),
            str(self.prompt_combo.currentData() or ""),
            str(self.system_combo.currentData() or ""),
        )

    def _on_combo_changed(self, _index: int) -> None:
        if not self._filling and self.selection()[0]:
            self.sig_mapping_changed.emit(*self.selection())


class RightsPanel(Card):
    """'Whose writing is this?': one required answer, recorded in the run's model card."""

    sig_answered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(section_title("Whose writing is this?"))
        self.body.addWidget(
            note(
                "Only train on writing you may use. Your answer is saved with the run and its "
                "model card."
            )
        )
        self.note = note(muted=False)
        self.note.hide()
        self.body.addWidget(self.note)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for key, label in RIGHTS_CHOICES:
            button = QRadioButton(label)
            button.setToolTip(field_help(DataSettings, "rights"))
            self.group.addButton(button)
            self.buttons[key] = button
            self.body.addWidget(button)
            button.toggled.connect(self._on_button_toggled)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def answer(self) -> str:
        for key, button in self.buttons.items():
            if button.isChecked():
                return key
        return ""

    def set_answer(self, key: str) -> None:
        if key in self.buttons:
            self.buttons[key].setChecked(True)

    def _on_button_toggled(self, checked: bool) -> None:
        if checked:
            self.sig_answered.emit(self.answer())
