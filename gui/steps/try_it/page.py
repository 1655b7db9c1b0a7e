"""Try it: write with a trained run, compare it with the original model, and test it blind.

The page picks a run (the one the main window hands over with `set_run`, else the latest
finished one), starts its chat child through `ChatController` when the page is first shown,
and hosts three panels: Chat, Side by side, Blind test. The sampling settings above them
apply to all three. Demo runs carry a note: the demo model is real but very small.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.contract.events import ChatReady, Failed
from gui.core.messages import ErrorDialog, message_for
from gui.core.run_files import is_demo_run
from gui.steps.try_it.blind import BlindPanel
from gui.steps.try_it.chat import ChatPanel
from gui.steps.try_it.compare import ComparePanel
from gui.steps.try_it.controller import ChatController
from gui.steps.try_it.prompts import heldout_samples
from gui.steps.try_it.settings import TrySettings
from gui.widgets.page import PAGE_MARGINS, card, header, muted
from gui.widgets.run_picker import fill_run_picker

DEMO_NOTE = (
    "This is the demo model, SmolLM2-135M-Instruct: a real assistant, but a very small one. "
    "It picks up a voice quickly and can get facts wrong; for longer or more careful writing, "
    "train a larger model from the Model step."
)
STATE_TEXT = {
    "idle": "Choose a trained run to start.",
    "loading": "Loading your model\u2026 this takes a few seconds (longer for big models).",
    "ready": "Ready",
    "generating": "Writing\u2026",
    "failed": "The model could not be loaded.",
}
RELEASE_AFTER_MS = 90_000  # hidden this long: the chat child quits (reloads when shown)
EMPTY_CHAT = {
    "loading": "Loading your model. You can write your first request meanwhile; Send "
    "works as soon as it is ready.",
    "ready": "Pick an idea above or write your own request below.",
    "failed": "The model is not loaded. See the message above, then try again.",
}


class TryPage(QWidget):
    def __init__(
        self, parent: QWidget | None = None, engine_base: Sequence[str] | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = ChatController(engine_base, parent=self)
        self.run_dir: Path | None = None
        self.last_failure: Failed | None = None
        self.autostart = True  # start the chat child when the page is shown
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(RELEASE_AFTER_MS)
        self._release_timer.timeout.connect(self._on_release_timer_timeout)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        layout.setSpacing(12)
        layout.addWidget(
            header("Try it", "Write with your trained model, next to the original model.")
        )
        row = QHBoxLayout()
        row.addWidget(QLabel("Run"))
        self.run_picker = QComboBox()
        self.run_picker.setAccessibleName("Trained run to chat with")
        self.run_picker.setMinimumWidth(320)
        self.run_picker.activated.connect(self._on_run_picker_activated)
        row.addWidget(self.run_picker, 1)
        self.status = QLabel(STATE_TEXT["idle"])
        self.status.setObjectName("muted")
        row.addWidget(self.status, 1)
        self.retry_button = QPushButton("Try again")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        row.addWidget(self.retry_button)
        layout.addLayout(row)
        self.demo_note = QLabel(DEMO_NOTE)
        self.demo_note.setObjectName("notice")
        self.demo_note.setWordWrap(True)
        self.demo_note.setVisible(False)
        layout.addWidget(self.demo_note)
        self.error_banner = QLabel("")
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setVisible(False)
        layout.addWidget(self.error_banner)

        frame, box = card()
        self.settings = TrySettings()
        box.addWidget(self.settings)
        layout.addWidget(frame)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.chat = ChatPanel(self.controller)
        self.compare = ComparePanel(self.controller)
        self.blind = BlindPanel(self.controller)
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.compare, "Side by side")
        self.tabs.addTab(self.blind, "Blind test")
        layout.addWidget(self.tabs, 1)
        self.empty = muted(
            "No trained run yet. Train one on the Train step (the demo takes "
            "a few minutes), then come back here."
        )
        self.empty.setVisible(False)
        layout.addWidget(self.empty)

        self.settings.sig_changed.connect(self._on_settings_changed)
        self._on_settings_changed()
        self.controller.sig_state_changed.connect(self._on_controller_state_changed)
        self.controller.sig_ready.connect(self._on_controller_ready)
        self.controller.sig_failed.connect(self._on_controller_failed)
        self.refresh_runs()

    # -- the run --------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        """Fill the picker with runs that have an adapter; keep or choose the latest."""
        runs, chosen = fill_run_picker(self.run_picker, self.run_dir)
        if chosen != self.run_dir:  # none was in use: the newest is chosen
            self.run_dir = chosen
            self._show_run()
        self.empty.setVisible(not runs)
        self.tabs.setEnabled(bool(runs))

    def show_blind_test(self) -> None:
        """Open the Blind test tab (a run's page asked for it)."""
        self.tabs.setCurrentWidget(self.blind)

    def set_run(self, run_dir: Path | None) -> None:
        """The run to chat with (the main window calls this when a run finishes)."""
        if run_dir is None:
            return
        run_dir = Path(run_dir)
        changed = run_dir != self.run_dir
        self.run_dir = run_dir
        self.refresh_runs()
        if changed:
            self._show_run()
            if self.isVisible() and self.autostart:
                self.controller.open_run(run_dir)

    def _show_run(self) -> None:
        self.demo_note.setVisible(is_demo_run(self.run_dir))
        self.error_banner.setVisible(False)
        samples = heldout_samples(self.run_dir)
        self.chat.set_heldout(samples)
        self.compare.set_heldout(samples)
        self.blind.set_run(self.run_dir)

    def _on_run_picker_activated(self, index: int) -> None:
        data = self.run_picker.itemData(index)
        if data:
            self.set_run(Path(str(data)))

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        # A loaded model holds memory (on a GPU, memory a new training run needs): let it go
        # when the user has been elsewhere for a while.
        self._release_timer.start()

    def _on_release_timer_timeout(self) -> None:
        if not self.isVisible() and not self.controller.pending:
            self.controller.close()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._release_timer.stop()
        if self.autostart and self.run_dir is not None and self.controller.state == "idle":
            self.controller.open_run(self.run_dir)

    def _on_retry_clicked(self) -> None:
        if self.run_dir is not None:
            self.controller.close()
            self.controller.open_run(self.run_dir)

    def shutdown(self) -> None:
        self.controller.shutdown()

    # -- controller -----------------------------------------------------------------------
    def _on_settings_changed(self) -> None:
        self.controller.sampling = self.settings.sampling()
        self.controller.system = self.settings.instruction()

    def _on_controller_state_changed(self, state: str) -> None:
        self.status.setText(STATE_TEXT.get(state, state))
        self.chat.view.set_empty_text(EMPTY_CHAT.get(state, EMPTY_CHAT["ready"]))
        self.retry_button.setVisible(state == "failed")
        if state in ("loading", "ready"):
            self.error_banner.setVisible(False)
        self.chat.update_buttons()
        self.compare.update_buttons()

    def _on_controller_ready(self, event: ChatReady) -> None:
        name = "the demo model" if event.model == "demo" else event.model
        self.status.setText(f"Ready: {name} with your style (loaded in {event.load_seconds:.0f} s)")

    def _on_controller_failed(self, failed: Failed) -> None:
        self.last_failure = failed
        words = message_for(failed.kind)
        self.error_banner.setText(f"<b>{words.title}.</b> {failed.message} {words.next_step}")
        self.error_banner.setVisible(True)

    def show_failure_details(self) -> None:
        if self.last_failure is not None:
            ErrorDialog(self.last_failure, self).exec()
