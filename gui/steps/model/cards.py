"""Cards for the Model step: one per catalog model, and the prominent demo card.

A card shows what a marketer needs to decide: the name, its size in parameters, the licence,
how much text it reads at once, whether it knows chat turns, whether it is gated, the fit
badge for this computer with the memory it needs, and the download size.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from engine.contract.catalog import CatalogEntry
from gui.steps.model.fit import fit_for_entry
from gui.widgets.page import Card, note, pill, section_title, set_pill

GATED_HELP = (
    "Gated: its authors ask you to accept their licence on huggingface.co first. Then add "
    "your Hugging Face token in Settings; Quillora keeps it in your system's password store."
)


def parameters_text(parameters: int) -> str:
    """494000000 -> '494M parameters', 1540000000 -> '1.5B parameters'."""
    if parameters >= 1_000_000_000:
        return f"{parameters / 1e9:.1f}B parameters".replace(".0B", "B")
    if parameters >= 1_000_000:
        return f"{parameters / 1e6:.0f}M parameters"
    return f"{parameters / 1e3:.0f}K parameters"


def context_text(tokens: int) -> str:
    """How much the model reads at once, in thousands of tokens."""
    return f"reads {tokens // 1024}k tokens at once" if tokens >= 1024 else f"{tokens} tokens"


def licence_text(licence: str) -> str:
    known = {"apache-2.0": "Apache 2.0", "mit": "MIT"}
    return known.get(licence.lower(), licence.replace("-", " ").title())


class ModelCard(Card):
    """One catalog model with its badge and a button to choose it."""

    sig_chosen = Signal(str)  # the Hub id

    def __init__(self, entry: CatalogEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self._chosen = False
        self._cached = False
        self._memory_text = ""
        self._too_big = False
        self.setAccessibleName(entry.display_name)
        top = QHBoxLayout()
        title = section_title(entry.display_name)
        top.addWidget(title)
        top.addStretch(1)
        self.badge = pill("Checking…")
        top.addWidget(self.badge)
        self.body.addLayout(top)
        self.repo = note(entry.hub_id, selectable=True)
        self.body.addWidget(self.repo)
        facts = QHBoxLayout()
        facts.setSpacing(6)
        for text in (
            parameters_text(entry.parameters),
            licence_text(entry.license),
            context_text(entry.context_length),
            "chat template" if entry.chat_template else "no chat template",
        ):
            facts.addWidget(pill(text))
        if entry.gated:
            gated = pill("gated", "warn")
            gated.setToolTip(GATED_HELP)
            facts.addWidget(gated)
        facts.addStretch(1)
        self.body.addLayout(facts)
        if entry.notes:
            self.body.addWidget(note(entry.notes, muted=False))
        self.share_note = note(entry.gguf_note) if entry.gguf_note else None
        if self.share_note is not None:
            self.share_note.setAccessibleName("Sharing to Ollama and LM Studio")
            self.body.addWidget(self.share_note)
        if entry.gated:
            self.body.addWidget(note(GATED_HELP))
        bottom = QHBoxLayout()
        self.memory = note()
        bottom.addWidget(self.memory, 1)
        self.button = QPushButton("Use this model")
        self.button.setAccessibleName(f"Use {entry.display_name}")
        self.button.clicked.connect(lambda: self.sig_chosen.emit(entry.hub_id))
        bottom.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self.body.addLayout(bottom)
        self.set_cached(False)

    def set_doctor_report(self, doctor: dict[str, Any] | None) -> None:
        fit = fit_for_entry(self.entry, doctor)
        set_pill(self.badge, fit.label, fit.tone)
        self.badge.setProperty("badge", fit.badge or "")
        self._memory_text = fit.memory
        self._too_big = fit.badge == "too big"
        self.set_cached(self._cached)

    def set_chosen(self, chosen: bool) -> None:
        """Mark the card of the model in use (its button then says so)."""
        self._chosen = chosen
        self.set_cached(self._cached)

    def set_cached(self, cached: bool) -> None:
        self._cached = cached
        if self._chosen:
            self.button.setText("Chosen ✓")
            self.button.setEnabled(False)
        elif self._too_big:
            # Not a download of gigabytes that cannot train here: the card says why above.
            self.button.setText("Too big for this computer")
            self.button.setEnabled(False)
            self.button.setToolTip(self._memory_text)
        elif not self.entry.is_demo:
            self.button.setEnabled(True)
            self.button.setToolTip("")
            size = f"{self.entry.download_gb:.1f} GB"
            self.button.setText("Use this model" if cached else f"Download and use ({size})")
        self._refresh_memory()

    def _refresh_memory(self) -> None:
        parts = [self._memory_text]
        if not self.entry.is_demo:
            parts.append(
                "already on this computer"
                if self._cached
                else f"a {self.entry.download_gb:.1f} GB download"
            )
        self.memory.setText(" · ".join(p for p in parts if p))


class DemoCard(Card):
    """The offline demo, first and prominent, honest about what it is."""

    sig_chosen = Signal(str)

    def __init__(self, entry: CatalogEntry | None, parent: QWidget | None = None) -> None:
        super().__init__(parent, highlight=True)
        self.setAccessibleName("Demo model")
        top = QHBoxLayout()
        top.addWidget(section_title("Try the demo model first"))
        top.addStretch(1)
        top.addWidget(pill("Runs on any computer", "good"))
        self.body.addLayout(top)
        self.body.addWidget(
            note(
                "SmolLM2-135M-Instruct, a small real assistant by Hugging Face (Apache 2.0), "
                "shipped with Quillora: no download, no GPU. It learns the sample brand's voice "
                "on your processor in a few minutes, so you can see the whole path work. Small "
                "means quick, not wise: check its facts.",
                muted=False,
            )
        )
        row = QHBoxLayout()
        row.addStretch(1)
        self.button = QPushButton("Use the demo model")
        self.button.setObjectName("primary")
        self.button.setAccessibleName("Use the demo model")
        self.button.clicked.connect(lambda: self.sig_chosen.emit("demo"))
        row.addWidget(self.button)
        self.body.addLayout(row)
        self.entry = entry

    def set_chosen(self, chosen: bool) -> None:
        self.button.setText("Demo model chosen ✓" if chosen else "Use the demo model")
        self.button.setEnabled(not chosen)


class ChoiceRow(QWidget):
    """A compact row for search results and cached models: name, detail, a button."""

    sig_chosen = Signal(str)

    def __init__(
        self, name: str, detail: str, button: str, value: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.value = value
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        text = QLabel(f"<b>{_escape(name)}</b><br><span>{_escape(detail)}</span>")
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        layout.addWidget(text, 1)
        self.button = QPushButton(button)
        self.button.setAccessibleName(f"{button}: {name}")
        self.button.clicked.connect(lambda: self.sig_chosen.emit(value))
        layout.addWidget(self.button)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
