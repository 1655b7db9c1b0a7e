"""The Train page's Advanced section: every derived setting, each with its help as a tooltip.

The values come from the dial (read-only here, so a non-expert cannot break a run by
accident); one setting can be changed: a step limit, handy for a quick look.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QWidget

from engine.contract.config import (
    DataSettings,
    LoraSettings,
    RunConfig,
    TrainingSettings,
    field_help,
)

ROWS: tuple[tuple[str, type, str, str], ...] = (
    ("Epochs", TrainingSettings, "epochs", "{:.2g}"),
    ("Learning rate", TrainingSettings, "learning_rate", "{:.1e}"),
    ("Adapter size (LoRA rank)", LoraSettings, "rank", "{}"),
    ("Adapter strength (LoRA alpha)", LoraSettings, "alpha", "{}"),
    ("Row length (tokens)", TrainingSettings, "sequence_length", "{:,}"),
    ("Rows at once", TrainingSettings, "micro_batch_size", "{}"),
    ("Accumulation", TrainingSettings, "gradient_accumulation", "{}"),
    ("Memory saver", TrainingSettings, "gradient_checkpointing", "{}"),
    ("Check every (steps)", TrainingSettings, "eval_every", "{}"),
    ("Save every (steps)", TrainingSettings, "checkpoint_every", "{}"),
    ("Early-stop patience", TrainingSettings, "early_stopping_patience", "{}"),
    ("Kept aside for checking", DataSettings, "heldout_fraction", "{:.0%}"),
    ("Seed", TrainingSettings, "seed", "{}"),
)


class AdvancedSettings(QWidget):
    sig_max_steps_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        self.values: dict[str, QLabel] = {}
        for index, (label, section, name, _fmt) in enumerate(ROWS):
            row, col = divmod(index, 2)
            caption = QLabel(label)
            caption.setObjectName("muted")
            value = QLabel("–")
            value.setAccessibleName(label)
            help_text = field_help(section, name)
            caption.setToolTip(help_text)
            value.setToolTip(help_text)
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.values[name] = value
        row = (len(ROWS) + 1) // 2
        caption = QLabel("Stop after (steps, 0 = no limit)")
        caption.setObjectName("muted")
        caption.setToolTip(field_help(TrainingSettings, "max_steps"))
        self.max_steps = QSpinBox()
        self.max_steps.setRange(0, 1_000_000)
        self.max_steps.setMaximumWidth(140)
        self.max_steps.setAccessibleName("Stop after this many steps")
        self.max_steps.setToolTip(field_help(TrainingSettings, "max_steps"))
        self.max_steps.valueChanged.connect(self.sig_max_steps_changed)
        grid.addWidget(caption, row, 0)
        grid.addWidget(self.max_steps, row, 1)

    def show_config(self, config: RunConfig) -> None:
        sections = {TrainingSettings: config.training, LoraSettings: config.lora}
        sections[DataSettings] = config.data  # type: ignore[assignment]
        for _label, section, name, fmt in ROWS:
            value = getattr(sections[section], name)
            if isinstance(value, bool):
                text = "on" if value else "off"
            elif name in ("eval_every", "checkpoint_every") and value == 0:
                text = "automatic"
            else:
                text = fmt.format(value)
            self.values[name].setText(text)
