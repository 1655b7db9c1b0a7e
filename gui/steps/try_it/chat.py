"""The chat panel of the Try it step: the conversation, a box to write in, and its buttons.

Replies stream into the last bubble as ChatToken events arrive; Stop keeps what was written;
Regenerate asks again with a new seed; Copy puts the last reply on the clipboard; Clear
forgets the conversation. Ready-made prompts fill the box: starters for the user's kind of
writing, and prompts from their own held-out writing when the run has them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.events import ChatDone
from gui.steps.try_it.controller import ChatController
from gui.steps.try_it.prompts import STARTERS, HeldoutSample
from gui.widgets.chat_view import Bubble, ChatView

WRITING = "Your model is writing\u2026"


class PromptBox(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line."""

    def __init__(self, on_send: object) -> None:
        super().__init__()
        self._on_send = on_send
        self.setPlaceholderText("Ask your model to write something\u2026  (Enter to send)")
        self.setAccessibleName("Your message")
        self.setFixedHeight(72)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._on_send()  # type: ignore[operator]
            return
        super().keyPressEvent(event)


class ChatPanel(QWidget):
    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._streaming: Bubble | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(10)

        prompts = QHBoxLayout()
        prompts.addWidget(QLabel("Ideas:"))
        self.starters = QComboBox()
        self.starters.setAccessibleName("Ready-made prompts")
        prompts.addWidget(self.starters, 1)
        self.use_prompt = QPushButton("Use")
        self.use_prompt.clicked.connect(self._on_use_prompt_clicked)
        prompts.addWidget(self.use_prompt)
        layout.addLayout(prompts)
        self.set_heldout([])

        self.view = ChatView()
        self.view.set_empty_text("Pick an idea above or write your own request below.")
        layout.addWidget(self.view, 1)

        self.box = PromptBox(self._on_send_clicked)
        layout.addWidget(self.box)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget this conversation")
        self.copy_button = QPushButton("Copy reply")
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Ask again for a different reply")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop writing; what is written so far is kept")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("primary")
        for button in (self.clear_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.regenerate_button, self.stop_button, self.send_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.send_button.clicked.connect(self._on_send_clicked)
        self.stop_button.clicked.connect(controller.stop)
        self.regenerate_button.clicked.connect(self._on_regenerate_clicked)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.clear_button.clicked.connect(controller.clear)
        controller.sig_token.connect(self._on_controller_token)
        controller.sig_reply_done.connect(self._on_controller_reply_done)
        controller.sig_history_changed.connect(self.show_history)
        controller.sig_state_changed.connect(lambda _state: self.update_buttons())
        self.update_buttons()

    # -- prompts --------------------------------------------------------------------------
    def set_heldout(self, samples: list[HeldoutSample]) -> None:
        self.starters.clear()
        self.starters.addItem("Choose a ready-made prompt\u2026", "")
        for sample in samples[:8]:
            short = sample.prompt if len(sample.prompt) < 70 else sample.prompt[:67] + "\u2026"
            self.starters.addItem(f"From your writing: {short}", sample.prompt)
        for kind, texts in STARTERS.items():
            for text in texts:
                self.starters.addItem(f"{kind}: {text}", text)

    def _on_use_prompt_clicked(self) -> None:
        text = self.starters.currentData()
        if text:
            self.box.setPlainText(str(text))
            self.box.setFocus()

    # -- conversation ---------------------------------------------------------------------
    def show_history(self) -> None:
        """Redraw the transcript from the controller's conversation."""
        self.view.clear()
        self._streaming = None
        for message in self.controller.messages:
            if message.role in ("user", "assistant"):
                self.view.add(message.role, message.content)
        if self.controller.chat_request_id:
            self._streaming = self.view.add("assistant", "", WRITING)
        self.update_buttons()

    def _on_send_clicked(self) -> None:
        text = self.box.toPlainText().strip()
        if not text or self.controller.state not in ("ready",):
            return
        if self.controller.send(text):
            self.box.clear()
            self._streaming = self.view.add("assistant", "", WRITING)

    def _on_regenerate_clicked(self) -> None:
        if self.controller.regenerate():
            self._streaming = self.view.add("assistant", "", WRITING)

    def _on_copy_clicked(self) -> None:
        reply = self.controller.last_reply()
        if reply:
            QGuiApplication.clipboard().setText(reply)
            self.copy_button.setText("Copied")

    def _on_controller_token(self, request_id: str, variant: str, text: str) -> None:
        if request_id != self.controller.chat_request_id:
            return
        if self._streaming is None:
            self._streaming = self.view.add("assistant", "", WRITING)
        self._streaming.append(text)
        self.view.follow()

    def _on_controller_reply_done(self, event: ChatDone) -> None:
        if event.request_id != self.controller.last_chat_request_id:
            return
        if self._streaming is not None and event.text:
            self._streaming.set_text(event.text)
        if self._streaming is not None:
            self._streaming.caption.setText("Your model")
        if self._streaming is not None and event.stopped:
            self._streaming.caption.setText("Your model (stopped)")
        if self._streaming is not None and not event.text and not event.stopped:
            self._streaming.set_text("(no reply; try Regenerate or more creativity)")
        self._streaming = None
        self.copy_button.setText("Copy reply")
        self.update_buttons()

    def update_buttons(self) -> None:
        state = self.controller.state
        busy = bool(self.controller.chat_request_id)
        self.send_button.setEnabled(state == "ready")
        self.stop_button.setEnabled(busy)
        has_turn = any(m.role == "user" for m in self.controller.messages)
        self.regenerate_button.setEnabled(state == "ready" and has_turn)
        self.copy_button.setEnabled(bool(self.controller.last_reply()))
        self.clear_button.setEnabled(bool(self.controller.messages) and not busy)
