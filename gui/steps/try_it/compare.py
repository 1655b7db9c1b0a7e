"""Side by side: two models answer the same prompt with the same settings and seed.

Two modes. "Original vs this run": the run's chat child answers as the base model and as the
tuned one (variants "base" and "tuned"). "This run vs another run": the child is restarted
with a second finished run on the same base model (`engine chat --other`), and answers as
"tuned" and "other". The engine answers the two requests one after the other; each streams
into its own card.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.chat_protocol import Message, Variant
from engine.contract.events import ChatDone, ChatReady
from gui.core.run_files import base_model_name, finished_runs
from gui.steps.try_it.controller import ChatController
from gui.steps.try_it.prompts import STARTERS, HeldoutSample
from gui.widgets.chat_view import AnswerCard
from gui.widgets.page import muted

VARIANTS: tuple[Variant, ...] = ("base", "tuned", "other")
ORIGINAL, OTHER_RUN = "original", "other-run"
MODES = {ORIGINAL: "Original vs this run", OTHER_RUN: "This run vs another run"}
EXPLAIN = {
    ORIGINAL: "Both models answer the same request with the same settings and seed, so the "
    "difference you see is what training changed.",
    OTHER_RUN: "Two of your runs on the same model answer the same request with the same "
    "settings and seed, so the difference you see is what their writing and settings changed.",
}
NO_OTHER_RUN = (
    "No other finished run was trained on the same model yet. Train another one (or "
    "Train more on this one) to compare them here."
)


def comparable_runs(run_dir: Path | None) -> list[Path]:
    """Finished runs other than `run_dir` on its base model, newest first."""
    if run_dir is None:
        return []
    model = base_model_name(run_dir)
    return [p for p in finished_runs() if p != run_dir and base_model_name(p) == model]


class ComparePanel(QWidget):
    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.request_ids: dict[str, Variant] = {}  # request id -> the variant answering
        self._queued = ""  # a prompt waiting for the child to load the other run
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(10)
        modes = QHBoxLayout()
        self.mode = QComboBox()
        self.mode.setAccessibleName("What to compare")
        for key, label in MODES.items():
            self.mode.addItem(label, key)
        self.mode.activated.connect(self._on_mode_activated)
        self.other_label = QLabel("Other run:")
        self.other_picker = QComboBox()
        self.other_picker.setAccessibleName("The other run to compare with")
        self.other_picker.setMinimumWidth(260)
        self.other_picker.activated.connect(self._on_other_activated)
        modes.addWidget(self.mode)
        modes.addWidget(self.other_label)
        modes.addWidget(self.other_picker, 1)
        modes.addStretch()
        layout.addLayout(modes)
        self.explain = muted(EXPLAIN[ORIGINAL])
        layout.addWidget(self.explain)
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
        # One card per variant, in this order; each mode shows two of them.
        self.cards: dict[Variant, AnswerCard] = {v: AnswerCard("") for v in VARIANTS}
        for card in self.cards.values():
            cards.addWidget(card, 1)
        layout.addLayout(cards, 1)
        controller.sig_token.connect(self._on_controller_token)
        controller.sig_reply_done.connect(self._on_controller_reply_done)
        controller.sig_ready.connect(self._on_controller_ready)
        controller.sig_failed.connect(self._on_controller_failed)
        controller.sig_state_changed.connect(lambda _s: self.update_buttons())
        self._show_mode()

    # -- what is compared ---------------------------------------------------------------------
    def mode_key(self) -> str:
        return str(self.mode.currentData())

    def set_mode(self, key: str) -> None:
        self.mode.setCurrentIndex(max(0, self.mode.findData(key)))
        self._show_mode()

    def variants(self) -> tuple[Variant, Variant]:
        return ("base", "tuned") if self.mode_key() == ORIGINAL else ("tuned", "other")

    def other_run(self) -> Path | None:
        data = self.other_picker.currentData()
        return Path(str(data)) if data and self.mode_key() == OTHER_RUN else None

    def _on_mode_activated(self, _index: int) -> None:
        self._show_mode()
        self._load_other()

    def _on_other_activated(self, _index: int) -> None:
        self._show_mode()
        self._load_other()

    def refresh_other_runs(self) -> None:
        """Offer the runs comparable with the controller's run; keep the one chosen."""
        chosen = self.other_picker.currentData()
        self.other_picker.clear()
        for path in comparable_runs(self.controller.run_dir):
            self.other_picker.addItem(path.name, str(path))
        if chosen is not None:
            self.other_picker.setCurrentIndex(max(0, self.other_picker.findData(chosen)))

    def _show_mode(self) -> None:
        other_mode = self.mode_key() == OTHER_RUN
        if other_mode:
            self.refresh_other_runs()
        has_other = self.other_picker.count() > 0
        self.other_label.setVisible(other_mode and has_other)
        self.other_picker.setVisible(other_mode and has_other)
        self.explain.setText(
            NO_OTHER_RUN if other_mode and not has_other else EXPLAIN[self.mode_key()]
        )
        this = self.controller.run_dir.name if self.controller.run_dir else "this run"
        other = self.other_run()
        titles: dict[Variant, str] = {
            "base": "Original model",
            "tuned": f"This run: {this}" if other_mode else "Your model",
            "other": f"Other run: {other.name}" if other else "Other run",
        }
        shown = self.variants()
        for variant, card in self.cards.items():
            card.title.setText(titles[variant])
            card.setVisible(variant in shown)
        self.update_buttons()

    def _load_other(self) -> None:
        """Restart the chat child with the chosen other run, unless it already has it."""
        other, run = self.other_run(), self.controller.run_dir
        if other is not None and run is not None and self.controller.other_dir != other:
            self.controller.open_run(run, other=other)

    # -- prompts ----------------------------------------------------------------------------
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
        if not text or self.request_ids or self._queued:
            return
        if self.mode_key() == OTHER_RUN:
            if self.other_run() is None:
                return
            if self.controller.other_dir != self.other_run():
                # The child must load the other run first; the prompt goes once it is ready.
                self._queued = text
                self._load_other()
                self._show_waiting()
                return
        if self.controller.state != "ready":
            return
        self._ask(text)

    def _show_waiting(self) -> None:
        for variant in self.variants():
            self.cards[variant].set_text("")
            self.cards[variant].footer.setText("Waiting\u2026")
        self.update_buttons()

    def _ask(self, text: str) -> None:
        self._show_waiting()
        seed = self.controller.sampling.seed
        messages = [Message("user", text)]
        for variant in self.variants():
            rid = self.controller.ask(messages, variant, seed)
            if rid:
                self.request_ids[rid] = variant
        self.update_buttons()

    # -- answers --------------------------------------------------------------------------
    def _on_controller_ready(self, _event: ChatReady) -> None:
        if self.mode_key() == OTHER_RUN:
            self.refresh_other_runs()
        self._show_mode()
        text, self._queued = self._queued, ""
        if text and self.controller.other_dir == self.other_run():
            self._ask(text)

    def _on_controller_failed(self, _failed: object) -> None:
        # The page shows what went wrong; the waiting prompt is dropped, not sent later.
        self._queued = ""
        self.request_ids.clear()
        for card in self.cards.values():
            card.footer.setText("")
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
        busy = bool(self.request_ids) or bool(self._queued)
        needs_other = self.mode_key() == OTHER_RUN and self.other_run() is None
        ready = self.controller.state == "ready"
        self.compare_button.setEnabled(ready and not busy and not needs_other)
        self.stop_button.setEnabled(bool(self.request_ids))
