"""The download strip of the Model step: size, progress, speed, Cancel and Resume."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from gui.steps.model.downloads import ModelDownload, format_bytes, stored_token
from gui.widgets.page import Card, note


def progress_text(done: int, total: int, speed: float) -> str:
    """'1.2 GB of 3.1 GB · 24.5 MB/s · about 2 min left'."""
    if not total:
        return f"{format_bytes(done)} so far · working out the size…"
    parts = [f"{format_bytes(done)} of {format_bytes(total)}"]
    if speed > 0:
        parts.append(f"{format_bytes(speed)}/s")
        left = max(total - done, 0) / speed
        parts.append(
            f"about {max(1, round(left / 60))} min left" if left >= 60 else "under a minute left"
        )
    return " · ".join(parts)


class DownloadBar(Card):
    """Shows one download at a time; Cancel keeps the partial files for Resume."""

    sig_downloaded = Signal(str)  # the Hub id, once every file is on this computer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = note(muted=False)
        self.body.addWidget(self.title)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Download progress")
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self.resume)
        row.addWidget(self.cancel_button)
        row.addWidget(self.resume_button)
        self.body.addLayout(row)
        self.detail = note()
        self.body.addWidget(self.detail)
        self.download: ModelDownload | None = None
        self._repo_id = ""
        self.hide()

    def start(self, repo_id: str) -> None:
        """Download `repo_id` into the Hugging Face cache (resuming what is already there)."""
        if self.download is not None and self.download.is_running():
            if self.download.repo_id == repo_id:
                return
            self.download.cancel()
        self._repo_id = repo_id
        download = ModelDownload(repo_id, token=stored_token(), parent=self)
        download.sig_progress.connect(self._on_download_progress)
        download.sig_finished.connect(self._on_download_finished)
        download.sig_failed.connect(self._on_download_failed)
        download.sig_cancelled.connect(self._on_download_cancelled)
        self.download = download
        self.title.setText(f"Downloading {repo_id}")
        self.detail.setText("Starting… You can go on to the Data step while it downloads.")
        self.progress.setValue(0)
        self._set_running(True)
        self.show()
        download.start()

    def cancel(self) -> None:
        if self.download is not None:
            self.download.cancel()

    def resume(self) -> None:
        if self._repo_id:
            self.start(self._repo_id)

    def show_progress(self, done: int, total: int, speed: float) -> None:
        """Also used by the tour to show a download in progress."""
        self._set_running(True)
        self.show()
        self.progress.setValue(int(1000 * done / total) if total else 0)
        self.detail.setText(progress_text(done, total, speed))

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.resume_button.setVisible(not running)

    def _on_download_progress(self, done: int, total: int, speed: float) -> None:
        self.show_progress(done, total, speed)

    def _on_download_finished(self, path: str) -> None:
        self._set_running(False)
        self.resume_button.hide()
        self.title.setText(f"{self._repo_id} is on this computer")
        self.detail.setText(f"Saved in {path}")
        self.progress.setValue(1000)
        self.sig_downloaded.emit(self._repo_id)

    def _on_download_failed(self, message: str) -> None:
        self._set_running(False)
        self.title.setText(f"The download of {self._repo_id} stopped")
        self.detail.setText(message)

    def _on_download_cancelled(self) -> None:
        self._set_running(False)
        self.title.setText(f"Download of {self._repo_id} paused")
        self.detail.setText("What was downloaded is kept: Resume carries on from there.")
