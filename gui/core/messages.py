"""Every engine error kind in plain words, with the next step, as data.

The engine types its errors (`ErrorKind`) and may add a sentence naming the user's file; this
module supplies the title, the explanation and what to do next. `ErrorDialog` shows them with
no stack trace: the technical detail sits behind a "Copy details" button.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.errors import ErrorKind
from engine.contract.events import Failed


@dataclass(frozen=True)
class UserMessage:
    """What a person reads when something goes wrong."""

    title: str
    message: str
    next_step: str


MESSAGES: dict[ErrorKind, UserMessage] = {
    ErrorKind.NO_GPU: UserMessage(
        "No suitable graphics card",
        "This model needs an NVIDIA graphics card, and Quillora could not find one it can use.",
        "Choose the demo model or a small model marked \u201cfits\u201d, or use a computer with "
        "an NVIDIA graphics card.",
    ),
    ErrorKind.OUT_OF_GPU_MEMORY: UserMessage(
        "The graphics card ran out of memory",
        "Training needed more graphics memory than this computer has, even after Quillora "
        "tried smaller batches.",
        "Choose \u201cquick\u201d on the dial or a smaller model, close other programs that use "
        "the graphics card, then resume the run from the Runs page.",
    ),
    ErrorKind.MODEL_NOT_FOUND: UserMessage(
        "Model not found",
        "Quillora could not find that model on Hugging Face or on this computer.",
        "Check the name (for example Qwen/Qwen2.5-0.5B-Instruct) or pick a model from the list. "
        "Gated models also need your Hugging Face token in Settings.",
    ),
    ErrorKind.DOWNLOAD_FAILED: UserMessage(
        "The download did not finish",
        "The model could not be downloaded completely. What was downloaded is kept.",
        "Check your internet connection and try again; the download continues where it stopped. "
        "If offline mode is on in Settings, turn it off.",
    ),
    ErrorKind.UNSUPPORTED_MODEL: UserMessage(
        "This model cannot be trained here",
        "Quillora can train text models of the common families (Llama, Qwen, Mistral, Gemma, "
        "Phi, ...), and this one is of a kind it does not support.",
        "Pick a model from the list on the Model step.",
    ),
    ErrorKind.BAD_DATA_FILE: UserMessage(
        "A file could not be read",
        "One of your files is damaged, empty, or in a format Quillora does not read.",
        "Open the file to check it, save it again (as .xlsx, .docx, .txt or PDF, say), and choose "
        "it again on the Data step. Your original files were not changed.",
    ),
    ErrorKind.NO_USABLE_ROWS: UserMessage(
        "Nothing to learn from",
        "After leaving out empty, very short and repeated rows, no writing was left.",
        "On the Data step, check that the right column holds your writing, or add more files.",
    ),
    ErrorKind.DISK_FULL: UserMessage(
        "The disk is full",
        "Quillora could not save its work because the disk has no space left.",
        "Free some space, or move the data folder to a larger drive in Settings, then resume "
        "the run from the Runs page.",
    ),
    ErrorKind.CANCELLED: UserMessage(
        "Run cancelled",
        "The run was cancelled before it finished.",
        "You can resume it from its last checkpoint on the Runs page, or start a new one.",
    ),
    ErrorKind.TRAINING_DIVERGED: UserMessage(
        "Training went off track",
        "The model's results got worse instead of better, so Quillora stopped the run to keep "
        "your time and your last good checkpoint.",
        "Try again with \u201cthorough\u201d on the dial (it learns more gently), or check that "
        "your data holds real writing rather than codes or tables.",
    ),
    ErrorKind.BAD_CONFIG: UserMessage(
        "A setting cannot work",
        "One of the run's settings is out of range or does not fit the others.",
        "Open Advanced on the Train step and go back to the dial's values, or read the sentence "
        "above for the setting to change.",
    ),
    ErrorKind.RUN_BUSY: UserMessage(
        "Another run is already training",
        "Only one run trains at a time on this computer (two would run out of memory), "
        "and a run folder is used by one run only.",
        "Wait for the other run to finish or stop it on the Runs page, then start again.",
    ),
    ErrorKind.PROCESS_LOST: UserMessage(
        "One of the training processes stopped",
        "This run trained on several processes (on a server) and one of them ended, so the "
        "whole run stopped. The last checkpoint is kept.",
        "Resume the run to continue from its last checkpoint. If it happens again, check the "
        "server's log for the process that stopped (often out of memory).",
    ),
    ErrorKind.INTERNAL_ERROR: UserMessage(
        "Something went wrong inside Quillora",
        "Quillora hit a problem it did not expect. Your data and earlier runs are safe.",
        "Try again. If it happens again, use \u201cCopy details\u201d and send them to us.",
    ),
}

assert set(MESSAGES) == set(ErrorKind), "every ErrorKind needs a plain-language message"


def message_for(kind: ErrorKind) -> UserMessage:
    return MESSAGES.get(kind, MESSAGES[ErrorKind.INTERNAL_ERROR])


def failure_text(event: Failed) -> str:
    """An engine failure as one paragraph for a page: the kind's title, the engine's own
    sentence (it names the user's file or model) or the kind's generic one, and the next step."""
    worded = message_for(event.kind)
    parts = [worded.title, event.message or worded.message, worded.next_step]
    return "\n".join(dict.fromkeys(p for p in parts if p))


def details_text(failed: Failed) -> str:
    """What "Copy details" puts on the clipboard: the kind, the sentence and the detail."""
    parts = [f"Quillora error: {failed.kind.value}", failed.message]
    if failed.detail:
        parts += ["", failed.detail]
    return "\n".join(parts)


class ErrorDialog(QDialog):
    """A plain-language error: title, what happened, what to do; details only on request."""

    def __init__(self, failed: Failed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        words = message_for(failed.kind)
        self.failed = failed
        self.setWindowTitle(words.title)
        self.setObjectName("errorDialog")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        title = QLabel(words.title)
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        explanation = words.message
        if failed.message and failed.message not in explanation:
            explanation = f"{failed.message}\n\n{explanation}"
        body = QLabel(explanation)
        body.setWordWrap(True)
        body.setMinimumWidth(440)
        layout.addWidget(body)
        step = QLabel(f"<b>What to do:</b> {words.next_step}")
        step.setWordWrap(True)
        step.setMinimumWidth(440)
        layout.addWidget(step)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setAccessibleName("Copy the technical details of this error")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        buttons.accepted.connect(self.accept)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(details_text(self.failed))
        self.copy_button.setText("Copied")
