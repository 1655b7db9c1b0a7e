"""The other ways to find a model: Hub search, the Hugging Face cache, a local folder.

Network and disk work runs in `CallThread` so the window never freezes; an unreachable Hub
(offline, no network, a firewall) becomes a calm sentence, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.contract.catalog import CatalogError, shape_from_config
from engine.contract.paths import is_gguf_file, lmstudio_models_dir, ollama_models_dir
from gui.steps.model.cards import ChoiceRow
from gui.steps.model.downloads import format_bytes
from gui.steps.model.fit import fit_for_shape
from gui.steps.model.hub_client import CachedModel, HubModel, HubUnavailable, check_local_folder
from gui.widgets.layouts import clear_layout
from gui.widgets.page import Card, note, section_title


class CallThread(QThread):
    """Runs one function off the GUI thread; `sig_done(result)` or `sig_error(sentence)`.

    It has no Qt parent and keeps itself alive until it has really ended, so closing the
    page during a slow search never destroys a running thread; results for a page that is
    gone are dropped by Qt (the connections die with their receiver).
    """

    sig_done = Signal(object)
    sig_error = Signal(str)
    _alive: ClassVar[set[CallThread]] = set()
    _quit_hooked: ClassVar[bool] = False

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self._function = function

    def launch(self) -> None:
        app = QCoreApplication.instance()
        if not CallThread._quit_hooked and app is not None:
            app.aboutToQuit.connect(CallThread.wait_all)
            CallThread._quit_hooked = True
        CallThread._alive.add(self)
        self.finished.connect(self._on_finished)
        self.start()

    def run(self) -> None:
        try:
            result = self._function()
        except HubUnavailable as exc:
            self.sig_error.emit(str(exc))
        except Exception as exc:  # a worker must never take the window down
            self.sig_error.emit(f"Something went wrong while looking for models: {exc}")
        else:
            self.sig_done.emit(result)

    @staticmethod
    def wait_all(timeout_ms: int = 3000) -> None:
        """At quit: let running look-ups end (a Hub search retrying offline is cut short)."""
        for thread in list(CallThread._alive):
            if not thread.wait(timeout_ms):
                thread.terminate()
                thread.wait(1000)
        CallThread._alive.clear()

    def _on_finished(self) -> None:
        self.wait()  # `finished` is emitted just before the thread really ends
        CallThread._alive.discard(self)


class HubSearchPanel(QWidget):
    """A search box over text-generation models on the Hugging Face Hub."""

    sig_chosen = Signal(str)  # a Hub id

    def __init__(
        self,
        search: Callable[[str], list[HubModel]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from gui.steps.model.hub_client import search_models

        self._search = search or search_models
        self._thread: CallThread | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search Hugging Face, e.g. “Qwen instruct” or “Llama 3.2”")
        self.query.setAccessibleName("Search Hugging Face models")
        self.query.returnPressed.connect(self.start_search)
        self.button = QPushButton("Search")
        self.button.clicked.connect(self.start_search)
        row.addWidget(self.query, 1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.status = note(
            "Models outside the recommended list may not have a chat template or may be too "
            "big for this computer; Quillora checks before training."
        )
        layout.addWidget(self.status)
        self.results = QVBoxLayout()
        layout.addLayout(self.results)
        layout.addStretch(1)

    def start_search(self) -> None:
        if self._thread is not None and self._thread.isRunning():
            return
        query = self.query.text().strip()
        self.status.setText("Searching Hugging Face…")
        self.button.setEnabled(False)
        search = self._search
        thread = CallThread(lambda: search(query))
        thread.sig_done.connect(self._on_search_done)
        thread.sig_error.connect(self._on_search_error)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        thread.launch()

    def show_results(self, models: list[HubModel]) -> None:
        clear_layout(self.results)
        if not models:
            self.status.setText("No text-generation models match that search.")
            return
        self.status.setText(f"{len(models)} models, most downloaded first.")
        for model in models:
            detail = f"{model.downloads:,} downloads · {model.likes:,} likes"
            if model.gated:
                detail += " · gated: accept its licence on huggingface.co and add a token"
            row = ChoiceRow(model.repo_id, detail, "Use this model", model.repo_id)
            row.sig_chosen.connect(self.sig_chosen)
            self.results.addWidget(row)

    def _on_search_done(self, models: object) -> None:
        self.show_results(list(models))  # type: ignore[call-overload]

    def _on_search_error(self, message: str) -> None:
        clear_layout(self.results)
        self.status.setText(message)

    def _on_thread_finished(self) -> None:
        self.button.setEnabled(True)
        self._thread = None


class LocalPanel(QWidget):
    """Models already on this computer: the Hugging Face cache and any folder."""

    sig_chosen = Signal(str)  # a Hub id (cached) or a folder path
    sig_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doctor: dict[str, Any] | None = None
        self._models: list[CachedModel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        folder_card = Card()
        folder_card.body.addWidget(section_title("A model folder"))
        folder_card.body.addWidget(
            note(
                "A folder with a Hugging Face model in it: config.json, the tokenizer files and "
                ".safetensors weights."
            )
        )
        self.folder_button = QPushButton("Choose a folder…")
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        folder_card.body.addWidget(self.folder_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.folder_status = note()
        folder_card.body.addWidget(self.folder_status)
        layout.addWidget(folder_card)
        gguf_card = Card()
        gguf_card.body.addWidget(section_title("A .gguf file (LM Studio, Ollama)"))
        gguf_card.body.addWidget(
            note(
                "A model file you already use elsewhere. Quillora converts it once when training "
                "starts and never changes the file. A file stored in 4 bits trains a little "
                "worse than the model's original weights."
            )
        )
        self.gguf_button = QPushButton("Choose a .gguf file…")
        self.gguf_button.clicked.connect(self._on_gguf_button_clicked)
        gguf_card.body.addWidget(self.gguf_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.gguf_status = note()
        gguf_card.body.addWidget(self.gguf_status)
        layout.addWidget(gguf_card)
        layout.addWidget(section_title("Already downloaded"))
        self.cache_status = note("Looking in the Hugging Face cache…")
        layout.addWidget(self.cache_status)
        self.cache_rows = QVBoxLayout()
        layout.addLayout(self.cache_rows)
        layout.addStretch(1)

    def set_doctor_report(self, report: dict[str, Any] | None) -> None:
        self._doctor = report
        self.show_cached(self._models)

    def fit_text(self, folder: Path) -> str:
        """'fits this computer (about 3.1 GB of GPU memory)' from the folder's config.json."""
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            shape = shape_from_config(config.get("text_config", config))
        except (OSError, ValueError, CatalogError):
            return ""
        fit = fit_for_shape(shape, self._doctor, runs_on_cpu=False)
        if fit.badge is None:  # no doctor report yet: the memory alone
            return fit.memory
        return f"{fit.label} · {fit.memory[0].lower()}{fit.memory[1:]}"

    def show_cached(self, models: list[CachedModel]) -> None:
        self._models = list(models)
        clear_layout(self.cache_rows)
        if not models:
            self.cache_status.setText("No models in the Hugging Face cache on this computer yet.")
            return
        self.cache_status.setText("Models in the Hugging Face cache on this computer:")
        for model in models:
            detail = format_bytes(model.size_bytes)
            if not model.usable:
                detail += " · incomplete or not in safetensors format"
            elif fit := self.fit_text(Path(model.path)):
                detail += f" · {fit}"
            row = ChoiceRow(model.repo_id, detail, "Use this model", model.repo_id)
            row.button.setEnabled(model.usable)
            row.sig_chosen.connect(self.sig_chosen)
            self.cache_rows.addWidget(row)

    def choose_folder(self, folder: Path) -> bool:
        """Check a folder and choose it if it holds a model; say why not otherwise."""
        check = check_local_folder(folder)
        fit = self.fit_text(folder) if check.ok else ""
        self.folder_status.setText(check.message + (f" {fit}." if fit else ""))
        if check.ok:
            self.sig_chosen.emit(str(folder))
        else:
            self.sig_message.emit(check.message)
        return check.ok

    def choose_gguf(self, path: Path) -> bool:
        """Check a .gguf file and choose it if it is one; say why not otherwise."""
        if not path.is_file():
            message = "That file is no longer there. Choose the .gguf file again."
        elif not is_gguf_file(path):
            message = (
                f"{path.name} is not a GGUF model file. Choose a .gguf file, such as one from "
                "LM Studio's models folder."
            )
        else:
            self.gguf_status.setText(
                f"{path.name} chosen. Quillora converts it when training starts (about a minute "
                "for a small model; a model type it cannot train is refused then, with a reason)."
            )
            self.sig_chosen.emit(str(path))
            return True
        self.gguf_status.setText(message)
        self.sig_message.emit(message)
        return False

    def _on_gguf_button_clicked(self) -> None:
        start = lmstudio_models_dir() or ollama_models_dir() or Path.home()
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a .gguf model file", str(start), "GGUF models (*.gguf);;All files (*)"
        )
        if path:
            self.choose_gguf(Path(path))

    def _on_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder holding the model")
        if folder:
            self.choose_folder(Path(folder))
