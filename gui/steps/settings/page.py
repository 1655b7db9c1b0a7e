"""Settings: where Quillora keeps its data, the Hugging Face token, offline mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from engine.contract.catalog import DEMO_ORIGIN
from engine.contract.paths import data_dir
from gui.core import settings
from gui.widgets.page import card, header, muted, scrolling_page, section_title


class SettingsPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_active = lambda: False  # the main window says whether a run is going
        layout = scrolling_page(self)
        layout.addWidget(header("Settings"))

        frame, box = card()
        box.addWidget(section_title("Data folder"))
        box.addWidget(
            muted(
                "Runs, downloaded models and caches live here. It can be on another drive; "
                "moving copies everything first and switches only when the copy is complete."
            )
        )
        row = QHBoxLayout()
        self.folder = QLineEdit(str(data_dir()))
        self.folder.setReadOnly(True)
        self.folder.setAccessibleName("Data folder")
        move = QPushButton("Move…")
        move.clicked.connect(self._on_move_clicked)
        row.addWidget(self.folder, 1)
        row.addWidget(move)
        box.addLayout(row)
        layout.addWidget(frame)

        frame, box = card()
        box.addWidget(section_title("Hugging Face token"))
        box.addWidget(
            muted(
                "Some models (Llama, Gemma) ask you to accept their licence on huggingface.co "
                "and to sign in with a token. Create one under Settings → Access Tokens on "
                "huggingface.co (read access is enough). It is kept in your system's password "
                "store, never in a file."
            )
        )
        row = QHBoxLayout()
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("hf_…")
        self.token.setAccessibleName("Hugging Face token")
        save = QPushButton("Save token")
        save.clicked.connect(self._on_save_token_clicked)
        row.addWidget(self.token, 1)
        row.addWidget(save)
        box.addLayout(row)
        self.token_status = muted("")
        box.addWidget(self.token_status)
        layout.addWidget(frame)

        frame, box = card()
        box.addWidget(section_title("Offline mode"))
        self.offline = QCheckBox("Never connect to the internet (use only models on this computer)")
        self.offline.setChecked(settings.offline_mode())
        self.offline.toggled.connect(settings.set_offline_mode)
        box.addWidget(self.offline)
        layout.addWidget(frame)

        frame, box = card()
        box.addWidget(section_title("Appearance"))
        box.addWidget(muted("Quillora follows your system's light or dark setting."))
        layout.addWidget(frame)

        frame, box = card()
        box.addWidget(section_title("About Quillora"))
        self.about_button = QPushButton("About Quillora and its demo model…")
        self.about_button.clicked.connect(self.show_about)
        box.addWidget(self.about_button)
        layout.addWidget(frame)
        layout.addStretch(1)

    def about_text(self) -> str:
        """The app's version and what the bundled demo model is, with its licence."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            app_version = version("quillora")
        except PackageNotFoundError:
            app_version = "development copy"
        return (
            f"<b>Quillora</b> {app_version}<br>Teach an open language model your writing "
            "voice, on your own computer.<br><br><b>Demo model:</b> "
            f"{DEMO_ORIGIN}.<br>Licence: Apache License 2.0. Its replies can be wrong; "
            "check them before you publish."
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About Quillora", self.about_text())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.show_token_state()

    def show_token_state(self) -> None:
        self.token_status.setText(
            "A token is saved." if settings.load_token() else "No token saved."
        )

    def _on_save_token_clicked(self) -> None:
        try:
            settings.save_token(self.token.text().strip())
        except settings.TokenStoreError as exc:
            self.token_status.setText(str(exc))
            return
        self.token.clear()
        self.show_token_state()

    def _on_move_clicked(self) -> None:
        if self.run_active():
            QMessageBox.information(
                self, "A run is training", "Move the data folder once the run has finished."
            )
            return
        chosen = QFileDialog.getExistingDirectory(self, "Choose an empty folder for Quillora")
        if not chosen:
            return
        try:
            target = settings.move_data_dir(Path(chosen))
        except OSError as exc:
            QMessageBox.warning(self, "The data folder was not moved", str(exc))
            return
        self.folder.setText(str(target))
        QMessageBox.information(
            self,
            "Data folder moved",
            f"Quillora now uses {target}. The old folder was left as it was; delete it once "
            "you have checked your runs are all there.",
        )
