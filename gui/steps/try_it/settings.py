"""How the model writes on the Try it step: a creativity slider, a length limit, an optional
instruction, and (under Advanced) the raw sampling values they set.

The slider is the plain control; the spin boxes under Advanced are the truth it writes to,
so an expert can set exact values and a non-expert never has to.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.contract.chat_protocol import GenerateRequest, Sampling

LENGTHS = (("Short", 96), ("Medium", 256), ("Long", 600))


def creativity_to_sampling(creativity: int) -> tuple[float, float]:
    """0..100 on the slider -> (temperature, top_p): 0 is steady, 100 is adventurous."""
    c = max(0, min(100, creativity)) / 100
    return round(0.2 + 1.0 * c, 2), round(0.8 + 0.2 * c, 2)


def _help(name: str) -> str:
    return str(GenerateRequest.__dataclass_fields__[name].metadata.get("help", ""))


class TrySettings(QWidget):
    """Emits sig_changed whenever what the next reply will use changes."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        row = QHBoxLayout()
        row.addWidget(QLabel("Steady"))
        self.creativity = QSlider(Qt.Orientation.Horizontal)
        self.creativity.setRange(0, 100)
        self.creativity.setValue(50)
        self.creativity.setAccessibleName("Creativity")
        self.creativity.setToolTip("Left: safe, predictable wording. Right: more surprising.")
        row.addWidget(self.creativity, 1)
        row.addWidget(QLabel("Adventurous"))
        row.addSpacing(18)
        row.addWidget(QLabel("Length"))
        self.length = QComboBox()
        self.length.setAccessibleName("Length limit")
        for name, tokens in LENGTHS:
            self.length.addItem(name, tokens)
        self.length.setCurrentIndex(1)
        row.addWidget(self.length)
        row.addSpacing(10)
        self.advanced_toggle = QPushButton("Advanced")
        self.advanced_toggle.setCheckable(True)
        row.addWidget(self.advanced_toggle)
        layout.addLayout(row)

        self.system = QLineEdit()
        self.system.setPlaceholderText(
            "Optional instruction, e.g. \u201cKeep it under 50 words\u201d or \u201cWrite for "
            "busy parents\u201d"
        )
        self.system.setAccessibleName("Instruction for the model")
        layout.addWidget(self.system)

        self.advanced = QWidget()
        form = QHBoxLayout(self.advanced)
        form.setContentsMargins(0, 4, 0, 0)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setToolTip(_help("temperature"))
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setToolTip(_help("top_p"))
        self.max_new_tokens = QSpinBox()
        self.max_new_tokens.setRange(1, 4096)
        self.max_new_tokens.setToolTip(_help("max_new_tokens"))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed and settings give the same reply.")
        for name, spin in (
            ("Temperature", self.temperature),
            ("Top-p", self.top_p),
            ("Max new tokens", self.max_new_tokens),
            ("Seed", self.seed),
        ):
            spin.setMinimumWidth(90)
            form.addWidget(QLabel(name))
            form.addWidget(spin)
            form.addSpacing(12)
        form.addStretch(1)
        self.advanced.setVisible(False)
        layout.addWidget(self.advanced)

        self._on_creativity_changed(self.creativity.value())
        self._on_length_changed(self.length.currentIndex())
        self.advanced_toggle.toggled.connect(self.advanced.setVisible)
        self.creativity.valueChanged.connect(self._on_creativity_changed)
        self.length.currentIndexChanged.connect(self._on_length_changed)
        for spin in (self.temperature, self.top_p, self.max_new_tokens, self.seed):
            spin.valueChanged.connect(lambda *_: self.sig_changed.emit())
        self.system.textChanged.connect(lambda *_: self.sig_changed.emit())

    def _on_creativity_changed(self, value: int) -> None:
        temperature, top_p = creativity_to_sampling(value)
        self.temperature.setValue(temperature)
        self.top_p.setValue(top_p)

    def _on_length_changed(self, index: int) -> None:
        self.max_new_tokens.setValue(int(self.length.itemData(index)))

    def sampling(self) -> Sampling:
        return Sampling(
            temperature=round(self.temperature.value(), 3),
            top_p=round(self.top_p.value(), 3),
            max_new_tokens=self.max_new_tokens.value(),
            seed=self.seed.value(),
        )

    def instruction(self) -> str:
        return self.system.text().strip()
