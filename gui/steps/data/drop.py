"""The drop zone of the data step: files or a folder, dropped or chosen.

Accepts tables (CSV, JSONL, Excel, .ods), documents (.txt, .md, .docx, .odt, .rtf, PDF,
EPUB, saved web pages), blog exports (WordPress .xml, Substack or Medium .zip) and folders;
anything else is refused with a sentence
that names the file and says what would work. Nothing is opened here: the engine reads copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from gui.widgets.page import Card, note

SUPPORTED_SUFFIXES = (
    ".csv", ".tsv", ".jsonl", ".txt", ".md", ".docx", ".xlsx", ".xlsm", ".ods", ".pdf",
    ".epub", ".html", ".htm", ".odt", ".rtf", ".xml", ".zip",
)  # fmt: skip
FILE_FILTER = "Your writing (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ")"


def classify_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[str]]:
    """Split into (accepted, refused): folders and supported files are accepted."""
    accepted: list[str] = []
    refused: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() or path.suffix.lower() in SUPPORTED_SUFFIXES:
            accepted.append(str(path))
        else:
            refused.append(str(path))
    return accepted, refused


def refusal_message(refused: list[str]) -> str:
    """One plain sentence about the files that cannot be used."""
    names = ", ".join(Path(p).name for p in refused[:3])
    more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
    return (
        f"Quillora cannot read {names}{more}. Use Excel, CSV, Word, PDF, EPUB, web page, .txt "
        "or .md files, a WordPress, Substack or Medium export, or a folder of them."
    )


class DropZone(Card):
    """A dashed target that takes dropped files and has buttons for choosing them."""

    sig_paths_chosen = Signal(list)  # list[str] of accepted paths
    sig_refused = Signal(str)  # a sentence about what was refused

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setAccessibleName("Drop your files here")
        self._set_hover(False)
        self.setMinimumHeight(120)
        title = QLabel("Drop your writing here")
        self.title = title
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = note(
            "An Excel or CSV table; Word, PDF, EPUB, web page or text files; a WordPress, "
            "Substack or Medium export; or a whole folder. "
            "Quillora reads copies: your files are never changed."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = hint
        self.choose_files = QPushButton("Choose files…")
        self.choose_folder = QPushButton("Choose a folder…")
        self.choose_files.clicked.connect(self._on_choose_files_clicked)
        self.choose_folder.clicked.connect(self._on_choose_folder_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.choose_files)
        buttons.addWidget(self.choose_folder)
        buttons.addStretch(1)
        self.body.addStretch(1)
        self.body.addWidget(title)
        self.body.addWidget(hint)
        self.body.addLayout(buttons)
        self.body.addStretch(1)

    def _set_hover(self, hover: bool) -> None:
        colour = "rgba(56, 132, 255, 0.9)" if hover else "palette(mid)"
        background = "rgba(56, 132, 255, 0.10)" if hover else "palette(base)"
        self.setStyleSheet(
            f"QFrame#card {{ border: 2px dashed {colour}; border-radius: 12px;"
            f" background: {background}; }}"
        )

    def set_compact(self, compact: bool) -> None:
        """Once files are chosen the zone shrinks to one line; a new drop replaces them."""
        self.hint.setVisible(not compact)
        self.title.setText(
            "Drop other files here to use them instead" if compact else "Drop your writing here"
        )
        self.setMinimumHeight(0 if compact else 120)

    def offer(self, paths: Iterable[str | Path]) -> list[str]:
        """Take paths from a drop or a dialog; emit what is usable and refuse the rest."""
        accepted, refused = classify_paths(paths)
        if refused:
            self.sig_refused.emit(refusal_message(refused))
        if accepted:
            self.sig_paths_chosen.emit(accepted)
        return accepted

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            self._set_hover(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_hover(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        urls = event.mimeData().urls()
        local = [url.toLocalFile() for url in urls if url.isLocalFile()]
        if len(local) < len(urls):
            self.sig_refused.emit(
                "Only files on this computer can be used; download web files first."
            )
        if local:
            self.offer(local)
        event.acceptProposedAction()

    def _on_choose_files_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Choose your writing", "", FILE_FILTER)
        if files:
            self.offer(files)

    def _on_choose_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of your writing")
        if folder:
            self.offer([folder])
