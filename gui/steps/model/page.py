"""The Model step: choose the base model Quillora teaches your voice.

The demo model first, then the curated catalog with a fit badge for this computer (from the
engine's doctor report, run once through `EngineProcess` and cached for the session), Hub
search, the Hugging Face cache and a local folder. Choosing a model emits
`sig_model_chosen(name)` at once; a catalog or Hub model not yet on this computer starts
downloading in the strip at the bottom (Cancel keeps what was fetched; Resume carries on).

For the tour and tests: `set_doctor_report(report)` fills the badges without running the
engine, and `set_cached_models(models)` fills the "On this computer" tab.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.contract.catalog import CatalogEntry, CatalogError, find, load_catalog
from engine.contract.events import Event, Report
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess
from gui.steps.model.cards import DemoCard, ModelCard
from gui.steps.model.download_bar import DownloadBar
from gui.steps.model.fit import hardware_summary
from gui.steps.model.hub_client import CachedModel, cached_models
from gui.steps.model.sources import CallThread, HubSearchPanel, LocalPanel
from gui.widgets.page import header, note


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


DOCTOR_PATIENCE_MS = 120_000  # the doctor loads torch; on a busy laptop that takes a while


class ModelPage(QWidget):
    """Step 1: pick a base model."""

    sig_model_chosen = Signal(str)  # a Hub id, a local folder, or "demo"

    # The doctor report is the same for the whole session: ask the engine once.
    _doctor_cache: ClassVar[dict[str, Any] | None] = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("model_page")
        self._doctor: dict[str, Any] | None = ModelPage._doctor_cache
        self._doctor_process: EngineProcess | None = None
        self._cache_thread: CallThread | None = None
        self._cached: set[str] = set()
        self._started = False
        # Inside the main window, the window runs the doctor once and hands the report over
        # (set_doctor_report); a page on its own asks the engine itself when first shown.
        self._own_doctor = parent is None
        self._chosen = ""
        try:
            self.catalog: tuple[CatalogEntry, ...] = load_catalog()
            catalog_error = ""
        except CatalogError as exc:
            self.catalog = ()
            catalog_error = f"The list of recommended models could not be read: {exc}"
        self._build(catalog_error)
        self.set_doctor_report(self._doctor)

    # -- layout ---------------------------------------------------------------------------
    def _build(self, catalog_error: str) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 24, 28, 16)
        outer.setSpacing(10)
        outer.addWidget(header("Choose a base model"))
        outer.addWidget(
            note(
                "Quillora teaches this model your voice. Smaller models train faster; larger "
                "ones write better but need a bigger graphics card."
            )
        )
        self.hardware = note(muted=False)
        outer.addWidget(self.hardware)
        chosen_row = QHBoxLayout()
        self.chosen_label = QLabel()
        self.chosen_label.setWordWrap(True)
        chosen_row.addWidget(self.chosen_label, 1)
        outer.addLayout(chosen_row)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        recommended = QWidget()
        column = QVBoxLayout(recommended)
        column.setContentsMargins(0, 10, 8, 10)
        column.setSpacing(10)
        demo_entry = next((e for e in self.catalog if e.is_demo), None)
        self.demo_card = DemoCard(demo_entry)
        self.demo_card.sig_chosen.connect(self.set_model)
        column.addWidget(self.demo_card)
        if catalog_error:
            column.addWidget(note(catalog_error, muted=False))
        self.cards: dict[str, ModelCard] = {}
        for entry in self.catalog:
            if entry.is_demo:
                continue
            card = ModelCard(entry)
            card.sig_chosen.connect(self.set_model)
            self.cards[entry.hub_id] = card
            column.addWidget(card)
        column.addStretch(1)
        self.tabs.addTab(_scroll(recommended), "Recommended")

        self.search = HubSearchPanel()
        self.search.sig_chosen.connect(self.set_model)
        self.tabs.addTab(_scroll(self.search), "Search Hugging Face")
        self.local = LocalPanel()
        self.local.sig_chosen.connect(self.set_model)
        self.tabs.addTab(_scroll(self.local), "On this computer")
        outer.addWidget(self.tabs, 1)

        self.downloads = DownloadBar()
        self.downloads.sig_downloaded.connect(self._on_download_bar_finished)
        outer.addWidget(self.downloads)
        self._show_chosen()

    # -- public interface -----------------------------------------------------------------
    def set_model(self, name: str) -> None:
        """Choose a model (a Hub id, a folder or "demo") and fetch it if it is not here yet."""
        self._chosen = name
        self._show_chosen()
        self.sig_model_chosen.emit(name)
        if name == "demo" or Path(name).expanduser().is_dir():
            return
        if name not in self._cached:
            self.downloads.start(name)

    def chosen(self) -> str:
        return self._chosen

    def set_doctor_report(self, report: dict[str, Any] | None) -> None:
        """What this computer can do (the engine's doctor report); None while unknown."""
        self._doctor = report
        if report is not None:
            ModelPage._doctor_cache = report
        self.hardware.setText(hardware_summary(report))
        for card in self.cards.values():
            card.set_doctor_report(report)
        self.local.set_doctor_report(report)

    def set_cached_models(self, models: list[CachedModel]) -> None:
        """The models already in the Hugging Face cache (from a scan, or given by the tour)."""
        self._cached = {m.repo_id for m in models if m.usable}
        self.local.show_cached(models)
        for hub_id, card in self.cards.items():
            card.set_cached(hub_id in self._cached)

    def badge_of(self, hub_id: str) -> str:
        """The badge shown on a catalog card (for tests and the tour)."""
        return str(self.cards[hub_id].badge.property("badge") or "")

    # -- startup work, once the page is first shown ----------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._started:
            return
        self._started = True
        # Not from inside showEvent: a page being torn down can still receive one.
        QTimer.singleShot(0, self, self._start_background_work)

    def _start_background_work(self) -> None:
        if self._doctor is None and self._own_doctor:
            self._run_doctor()
        self._scan_cache()
        QTimer.singleShot(DOCTOR_PATIENCE_MS, self, self._on_doctor_exited)

    def _run_doctor(self) -> None:
        process = EngineProcess(engine_command("doctor"), parent=self)
        process.sig_event.connect(self._on_doctor_event)
        process.sig_exited.connect(self._on_doctor_exited)
        self._doctor_process = process
        process.start()

    def _scan_cache(self) -> None:
        thread = CallThread(cached_models)
        thread.sig_done.connect(self._on_cache_scanned)
        self._cache_thread = thread
        thread.launch()

    def _on_cache_scanned(self, models: object) -> None:
        self.set_cached_models(list(models))  # type: ignore[call-overload]

    def _on_doctor_event(self, event: Event) -> None:
        if isinstance(event, Report) and event.name == "doctor":
            self.set_doctor_report(event.body)

    def _on_doctor_exited(self, _code: int = 0) -> None:
        """The doctor ended (or never answered in time) without a report: say so, calmly."""
        if self._doctor is None:
            self.hardware.setText(
                "Quillora could not check this computer's graphics card, so the fit badges "
                "are missing. The demo model works anyway."
            )
        # The thread object stays (a child of the page): sig_exited comes from inside it.

    def _on_download_bar_finished(self, repo_id: str) -> None:
        self._cached.add(repo_id)
        if repo_id in self.cards:
            self.cards[repo_id].set_cached(True)

    def _show_chosen(self) -> None:
        if not self._chosen:
            for card in self.cards.values():
                card.set_chosen(False)
            self.demo_card.set_chosen(False)
            self.chosen_label.setText("No model chosen yet. The demo model is a good start.")
            return
        entry = find(self._chosen, self.catalog)
        if self._chosen == "demo":
            name = "the demo model, SmolLM2-135M-Instruct (shipped with Quillora)"
        else:
            name = entry.display_name if entry else self._chosen
        self.chosen_label.setText(f"<b>Chosen:</b> {name}")
        for hub_id, card in self.cards.items():
            card.set_chosen(hub_id == self._chosen)
        self.demo_card.set_chosen(self._chosen == "demo")
