"""What the Share step shows after an export: where it is, and how to use it elsewhere.

For GGUF: when Ollama is installed, `ollama create` runs at once with its progress shown
(gui.steps.share.ollama), then Open a chat starts `ollama run` in a terminal; the command
stays visible with Copy either way (Try again reruns it after a failure). A
button to copy the model into LM Studio's models folder when LM Studio is set up, and
Open folder for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.events import ExportFinished
from engine.contract.paths import lmstudio_models_dir
from gui.steps.share.controller import lmstudio_destination
from gui.steps.share.ollama import OllamaCreate, ollama_installed, terminal_command
from gui.widgets.page import card, muted, open_in_system, section_title

FORMAT_NAMES = {"adapter": "Adapter", "merged": "Merged model", "gguf": "GGUF model"}


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


class ShareResult(QWidget):
    """The result card; `show_result` fills it, `ollama_command` feeds Copy and Run it."""

    def __init__(
        self,
        on_copy_to_lmstudio: Callable[[Path, Path, bool], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_copy_to_lmstudio = on_copy_to_lmstudio
        self.result: ExportFinished | None = None
        self.ollama_command: list[str] = []
        self.lmstudio: Path | None = None
        self.ollama = OllamaCreate(self)
        self.auto_ollama = True  # the scripted tour turns this off: it must never run Ollama
        self.ollama.sig_progress.connect(self._on_ollama_progress)
        self.ollama.sig_finished.connect(self._on_ollama_finished)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame, box = card()
        self.title = section_title("Exported")
        box.addWidget(self.title)
        self.where = muted("")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.where)
        self.next_step = QLabel("")
        self.next_step.setWordWrap(True)
        box.addWidget(self.next_step)

        self.ollama_box = QFrame()
        ollama = QVBoxLayout(self.ollama_box)
        ollama.setContentsMargins(0, 6, 0, 0)
        ollama.addWidget(QLabel("<b>Ollama</b>: add it with this command"))
        row = QHBoxLayout()
        self.ollama_line = QLineEdit()
        self.ollama_line.setReadOnly(True)
        self.ollama_line.setAccessibleName("Ollama command")
        row.addWidget(self.ollama_line, 1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self._on_copy_clicked)
        row.addWidget(self.copy_button)
        self.run_button = QPushButton("Try again")
        self.run_button.setToolTip("Run this command again to add the model to Ollama")
        self.run_button.clicked.connect(self._on_run_clicked)
        row.addWidget(self.run_button)
        ollama.addLayout(row)
        self.ollama_progress = QProgressBar()
        self.ollama_progress.setAccessibleName("Adding to Ollama")
        self.ollama_progress.setRange(0, 0)
        ollama.addWidget(self.ollama_progress)
        status_row = QHBoxLayout()
        self.ollama_status = muted("")
        self.ollama_status.setWordWrap(True)
        status_row.addWidget(self.ollama_status, 1)
        self.chat_button = QPushButton("Open a chat in a terminal")
        self.chat_button.clicked.connect(self._on_chat_clicked)
        status_row.addWidget(self.chat_button)
        ollama.addLayout(status_row)
        box.addWidget(self.ollama_box)

        self.lmstudio_box = QFrame()
        lm = QHBoxLayout(self.lmstudio_box)
        lm.setContentsMargins(0, 6, 0, 0)
        self.lmstudio_label = QLabel("")
        self.lmstudio_label.setWordWrap(True)
        lm.addWidget(self.lmstudio_label, 1)
        self.lmstudio_button = QPushButton("Copy into LM Studio")
        self.lmstudio_button.clicked.connect(self._on_lmstudio_clicked)
        lm.addWidget(self.lmstudio_button)
        box.addWidget(self.lmstudio_box)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(self._on_open_clicked)
        buttons.addWidget(self.open_button)
        box.addLayout(buttons)
        outer.addWidget(frame)

    def folder(self) -> Path | None:
        if self.result is None:
            return None
        path = Path(self.result.path)
        return path.parent if path.suffix == ".gguf" else path

    def show_result(self, result: ExportFinished, report: dict[str, object]) -> None:
        self.result = result
        name = FORMAT_NAMES.get(result.format, result.format)
        self.title.setText(f"{name} ready ({human_size(result.size_bytes)})")
        self.where.setText(str(result.path))
        gguf = result.format == "gguf"
        command = report.get("ollama_command") if isinstance(report, dict) else None
        if isinstance(command, list) and command:
            self.ollama_command = [str(p) for p in command]
        elif gguf and result.next_step.startswith("ollama create"):
            self.ollama_command = result.next_step.split(" ")
        else:
            self.ollama_command = []
        self.next_step.setText("" if gguf else result.next_step)
        self.next_step.setVisible(not gguf and bool(result.next_step))
        self.ollama_box.setVisible(gguf and bool(self.ollama_command))
        self.ollama_line.setText(" ".join(self.ollama_command))
        self.ollama_line.setCursorPosition(0)
        self.copy_button.setText("Copy")
        self.run_button.setVisible(False)
        self.chat_button.setVisible(False)
        self.ollama_progress.setVisible(False)
        if gguf and self.ollama_command and self.auto_ollama and ollama_installed():
            self.ollama.start(self.ollama_command)  # Ollama is here: add the model right away
        else:
            self.ollama_status.setText(
                "Install Ollama from ollama.com, then run this in a terminal." if gguf else ""
            )
        self.lmstudio = lmstudio_models_dir()
        self.lmstudio_box.setVisible(gguf)
        self.lmstudio_button.setVisible(gguf and self.lmstudio is not None)
        self.lmstudio_button.setEnabled(True)
        if self.lmstudio is not None:
            self.lmstudio_label.setText(
                f"<b>LM Studio</b>: copy the model into {self.lmstudio} so it shows up in "
                "My Models."
            )
        else:
            self.lmstudio_label.setText(
                "<b>LM Studio</b>: this export folder is LM Studio-ready. Point LM Studio's "
                "models folder at it, or install LM Studio and come back to copy it in."
            )

    def lmstudio_done(self, text: str) -> None:
        self.lmstudio_label.setText(text)
        self.lmstudio_button.setEnabled(True)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.ollama_line.text())
        self.copy_button.setText("Copied")

    def _on_run_clicked(self) -> None:
        self.run_button.setVisible(False)
        self.ollama.start(self.ollama_command)

    def _on_ollama_progress(self, line: str, percent: int) -> None:
        self.ollama_progress.setVisible(True)
        if percent < 0:
            self.ollama_progress.setRange(0, 0)  # Ollama gave no figure: a busy bar
        else:
            self.ollama_progress.setRange(0, 100)
            self.ollama_progress.setValue(percent)
        self.ollama_status.setText(line)

    def _on_ollama_finished(self, created: bool, said: str) -> None:
        self.ollama_progress.setVisible(False)
        name = self.ollama_command[2] if len(self.ollama_command) > 2 else ""
        if created:
            self.ollama_status.setText(
                f"Added to Ollama as {name}. Chat with it in Ollama's app, or in a terminal: "
                f"ollama run {name}"
            )
            self.chat_button.setVisible(terminal_command(name) is not None)
        else:
            self.ollama_status.setText(
                f"Ollama could not add it: {said or 'it stopped without saying why'}. Check "
                "that Ollama is running (open the Ollama app), then try again."
            )
            self.run_button.setVisible(True)

    def _on_chat_clicked(self) -> None:
        command = terminal_command(self.ollama_command[2]) if len(self.ollama_command) > 2 else None
        if command:
            QProcess.startDetached(command[0], command[1:])

    def _on_lmstudio_clicked(self) -> None:
        if self.result is None or self.lmstudio is None:
            return
        dest = lmstudio_destination(Path(self.result.path), self.lmstudio)
        replace = dest.exists()
        if replace and not self.confirm_replace(dest):
            return
        self.lmstudio_button.setEnabled(False)
        self.lmstudio_label.setText("Copying into LM Studio\u2026")
        self._on_copy_to_lmstudio(Path(self.result.path), self.lmstudio, replace)

    def confirm_replace(self, dest: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "Replace the model in LM Studio?",
            f"LM Studio already has a model at {dest}. Replace it with this export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_open_clicked(self) -> None:
        folder = self.folder()
        if folder is not None:
            open_in_system(folder)
