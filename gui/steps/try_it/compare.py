"""Side by side: the original model and the trained one answer the same prompt, same seed.

Both requests go to the run's one chat child (variant "base" and "tuned"); the engine answers
them one after the other, and each answer streams into its own card.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.chat_protocol import Message
from engine.contract.events import ChatDone
from gui.steps.try_it.controller import ChatController
from gui.steps.try_it.prompts import STARTERS, HeldoutSample
from gui.widgets.chat_view import AnswerCard
from gui.widgets.page import muted

TITLES = {"base": "Original model", "tuned": "Your model"}


class ComparePanel(QWidget):
    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.request_ids: dict[str, str] = {}  # request id -> variant
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(
            muted(
                "Both models answer the same request with the same settings and seed, so the "
                "difference you see is what training changed."
            )
        )
        self.ideas = QComboBox()
        self.ideas.setAccessibleName("Ready-made prompts")
        self.ideas.activated.connect(self._on_idea_chosen)
        layout.addWidget(self.ideas)
        self.set_heldout([])
        row = QHBoxLayout()
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("A request for both models, e.g. a product blurb")
        self.prompt.setAccessibleName("Request for both models")
        self.prompt.returnPressed.connect(self.compare)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("primary")
        self.compare_button.clicked.connect(self.compare)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(controller.stop)
        row.addWidget(self.prompt, 1)
        row.addWidget(self.stop_button)
        row.addWidget(self.compare_button)
        layout.addLayout(row)
        cards = QHBoxLayout()
        cards.setSpacing(12)
        self.cards = {variant: AnswerCard(title) for variant, title in TITLES.items()}
        for card in self.cards.values():
            cards.addWidget(card, 1)
        layout.addLayout(cards, 1)
        controller.sig_token.connect(self._on_controller_token)
        controller.sig_reply_done.connect(self._on_controller_reply_done)
        controller.sig_state_changed.connect(lambda _s: self.update_buttons())
        self.update_buttons()

    def set_heldout(self, samples: list[HeldoutSample]) -> None:
        self.ideas.clear()
        self.ideas.addItem("Choose a ready-made prompt\u2026", "")
        for sample in samples[:8]:
            self.ideas.addItem(f"From your writing: {sample.prompt[:70]}", sample.prompt)
        for kind, texts in STARTERS.items():
            self.ideas.addItem(f"{kind}: {texts[0]}", texts[0])

    def _on_idea_chosen(self, index: int) -> None:
        text = self.ideas.itemData(index)
        if text:
            self.prompt.setText(str(text))

    def compare(self) -> None:
        text = self.prompt.text().strip()
        if not text or self.controller.state != "ready" or self.request_ids:
            return
        seed = self.controller.sampling.seed
        messages = [Message("user", text)]
        for variant in ("base", "tuned"):
            card = self.cards[variant]
            card.set_text("")
            card.footer.setText("Waiting\u2026")
            rid = self.controller.ask(messages, variant, seed)  # type: ignore[arg-type]
            if rid:
                self.request_ids[rid] = variant
        self.update_buttons()

    def _on_controller_token(self, request_id: str, variant: str, text: str) -> None:
        if request_id in self.request_ids:
            card = self.cards[self.request_ids[request_id]]
            card.append(text)
            card.footer.setText("Writing\u2026")

    def _on_controller_reply_done(self, event: ChatDone) -> None:
        variant = self.request_ids.pop(event.request_id, None)
        if variant is None:
            return
        card = self.cards[variant]
        if event.text:
            card.set_text(event.text)
        speed = event.new_tokens / event.seconds if event.seconds > 0 else 0.0
        footer = f"{event.new_tokens} tokens" + (f", {speed:.0f} per second" if speed else "")
        card.footer.setText(footer + (" (stopped)" if event.stopped else ""))
        self.update_buttons()

    def update_buttons(self) -> None:
        busy = bool(self.request_ids)
        self.compare_button.setEnabled(self.controller.state == "ready" and not busy)
        self.stop_button.setEnabled(busy)
