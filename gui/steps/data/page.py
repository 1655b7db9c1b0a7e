"""The Data step: the user's writing in, a clear picture of what the model will learn out.

The page asks the engine (`python -m engine data ...` through `EngineProcess`) for a
`data_preview` report whenever the sources, the column mapping, the redaction choice or the
model change, and shows it: column pickers with the engine's guess, the readiness verdict, the
exact training text, personal-data findings, and the rights question. Continue emits a
`DataSelection`. The user's files are only ever read, by the engine, never written.

For the screenshot tour and tests the page is fully usable offline: `show_report(report)`
fills it from a `DataPreview` without running anything.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.contract.data_report import DataPreview
from engine.contract.errors import ErrorKind
from engine.contract.events import Event, Failed, Report
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess
from gui.core.messages import failure_text
from gui.core.selection import DataSelection
from gui.core.settings import not_personal_words, set_not_personal_words
from gui.steps.data.drop import DropZone
from gui.steps.data.mapping import MappingPanel, RightsPanel
from gui.steps.data.options import SourceOptions
from gui.steps.data.preview_args import files_text, is_bundled_sample, preview_arguments
from gui.steps.data.report_view import PiiView, PreviewView, ReadinessView
from gui.widgets.page import header, note


class DataPage(QWidget):
    """Step 2: drop files, check them, answer the rights question, continue."""

    sig_data_ready = Signal(object)  # gui.core.selection.DataSelection
    sig_continue_requested = Signal()  # Continue: the window opens the Train step
    sig_preview_requested = Signal(list)  # the engine arguments of each preview (for tests)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("data_page")
        self._sources: list[str] = []
        self._columns = ("", "", "")  # the user's corrections; empty: the engine guesses
        self._sheet = ""  # a workbook's sheet the user chose; empty: the engine picks
        self._pages_and_drafts = False
        self._redact: tuple[str, ...] = ()
        self._not_personal: tuple[str, ...] = ()  # remembered per set of sources
        self._model = ""
        self._model_missing = ""  # a chosen model whose tokenizer is not here (yet)
        self._report: DataPreview | None = None
        self._process: EngineProcess | None = None
        self._got_report = False
        self._retired: list[EngineProcess] = []  # finished or abandoned, deleted later
        # Reports of these sources by engine arguments: switching a column back and forth
        # shows the earlier report at once instead of reading the files again.
        self._reports: dict[tuple[str, ...], DataPreview] = {}
        self._pending_args: tuple[str, ...] = ()
        self._build()
        self._update_continue()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(28, 24, 28, 24)
        column.setSpacing(14)
        column.addWidget(header("Add your writing"))
        column.addWidget(
            note(
                "Give Quillora examples of the writing you want it to learn: posts, emails, "
                "articles, product copy. The more good examples, the closer the match."
            )
        )
        self.drop = DropZone()
        self.drop.sig_paths_chosen.connect(self.set_sources)
        self.drop.sig_refused.connect(self._show_message)
        column.addWidget(self.drop)

        sources_row = QHBoxLayout()
        self.sources_label = note(muted=False)
        self.clear_button = QPushButton("Start over")
        self.clear_button.clicked.connect(self.clear)
        sources_row.addWidget(self.sources_label, 1)
        sources_row.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(sources_row)
        self.files_note = note()
        column.addWidget(self.files_note)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setAccessibleName("Reading your files")
        column.addWidget(self.busy)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(
            "QLabel { background: rgba(210, 153, 34, 0.18); border: 1px solid"
            " rgba(210, 153, 34, 0.7); border-radius: 8px; padding: 8px; }"
        )
        column.addWidget(self.message)

        self.options = SourceOptions()
        self.options.sig_sheet_chosen.connect(self._on_options_sheet_chosen)
        self.options.sig_pages_and_drafts_toggled.connect(self._on_options_pages_and_drafts)
        self.mapping = MappingPanel()
        self.mapping.sig_mapping_changed.connect(self._on_mapping_changed)
        self.readiness = ReadinessView()
        self.preview = PreviewView()
        self.pii = PiiView()
        self.pii.sig_redact_changed.connect(self._on_pii_redact_changed)
        self.pii.sig_not_personal_changed.connect(self._on_pii_not_personal_changed)
        self.rights = RightsPanel()
        self.rights.sig_answered.connect(self._on_rights_answered)
        for widget in (
            self.options,
            self.mapping,
            self.readiness,
            self.preview,
            self.pii,
            self.rights,
        ):
            column.addWidget(widget)
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.scroll_area = scroll

        footer = QHBoxLayout()
        footer.setContentsMargins(28, 8, 28, 16)
        self.continue_hint = note()
        self.continue_button = QPushButton("Continue to training")
        self.continue_button.setObjectName("primary")
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self._on_continue_clicked)
        footer.addWidget(self.continue_hint, 1)
        footer.addWidget(self.continue_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        outer.addLayout(footer)
        self._show_sections(False)
        self.busy.hide()
        self.message.hide()

    def _show_sections(self, visible: bool) -> None:
        self.readiness.setVisible(visible)
        readable = self._report is not None and self._report.readiness.examples > 0
        for widget in (self.preview, self.pii, self.rights):
            widget.setVisible(visible and readable)
        self.mapping.setVisible(visible and self._report is not None and self._has_table())
        self.options.setVisible(visible and self._report is not None and self._options_offered())
        self.sources_label.setVisible(bool(self._sources))
        self.drop.set_compact(bool(self._sources))
        self.clear_button.setVisible(bool(self._sources))
        self.files_note.setVisible(visible and bool(self.files_note.text()))

    def _options_offered(self) -> bool:
        return self._report is not None and self.options.show_report(self._report)

    def _has_table(self) -> bool:
        return self._report is not None and self._report.mapping is not None

    # -- public interface -----------------------------------------------------------------
    def set_sources(self, paths: list[str]) -> None:
        """Use these files or folders (replacing earlier ones) and preview them."""
        self._sources = [str(p) for p in paths]
        self._reports.clear()  # chosen again: the files may have changed
        self._columns = ("", "", "")
        self._sheet = ""
        self._pages_and_drafts = False
        self.options.reset()
        self._redact = ()
        self._not_personal = not_personal_words(self._sources)
        if all(is_bundled_sample(p) for p in self._sources):
            self.rights.set_answer("have_permission")
            self.rights.set_note("These are Quillora's own sample texts: you may train on them.")
        else:
            self.rights.set_note("")
        names = ", ".join(Path(p).name or p for p in self._sources[:3])
        more = f" and {len(self._sources) - 3} more" if len(self._sources) > 3 else ""
        self.sources_label.setText(f"Reading: {names}{more}")
        self.request_preview()

    def set_model(self, name: str) -> None:
        """The model chosen on the Model step: the preview then uses its chat template."""
        if name == self._model and name != self._model_missing:
            return
        self._model = name
        self._model_missing = ""
        if self._sources:
            self.request_preview()

    def clear(self) -> None:
        self._stop_process()
        self._sources = []
        self._report = None
        self._columns = ("", "", "")
        self._sheet = ""
        self._pages_and_drafts = False
        self._redact = ()
        self._not_personal = ()
        self.message.hide()
        self.busy.hide()
        self._show_sections(False)
        self._update_continue()

    def request_preview(self) -> None:
        """Ask the engine for a fresh report; a preview still running is abandoned."""
        if not self._sources:
            return
        args = preview_arguments(
            self._sources,
            text_column=self._columns[0],
            prompt_column=self._columns[1],
            system_column=self._columns[2],
            redact=self._redact,
            not_personal=self._not_personal,
            model="" if self._model == self._model_missing else self._model,
            sheet=self._sheet,
            include_pages_and_drafts=self._pages_and_drafts,
        )
        self._stop_process()
        self._prune_retired()
        self.message.hide()
        cached = self._reports.get(tuple(args))
        if cached is not None:
            self.sig_preview_requested.emit(args)
            self.show_report(cached)
            self._emit_if_ready()
            return
        self.busy.show()
        self._got_report = False
        self._pending_args = tuple(args)
        process = EngineProcess(engine_command(*args), parent=self)
        process.sig_event.connect(self._on_engine_event)
        process.sig_exited.connect(self._on_engine_exited)
        self._process = process
        self.sig_preview_requested.emit(args)
        process.start()
        self._update_continue()

    def show_report(self, report: DataPreview) -> None:
        """Fill every section from a report (also used directly by the tour and tests)."""
        self._report = report
        self.busy.hide()
        if report.mapping is not None:
            self.mapping.show_mapping(report.mapping)
        self.readiness.show_readiness(report.readiness)
        self.preview.show_preview(report)
        self.pii.show_findings(report.pii, self._redact, self._not_personal)
        self.files_note.setText(files_text(report))
        if not self._sources:
            self._sources = [f.path for f in report.files if not f.skipped]
            self.sources_label.setText(
                "Reading: " + ", ".join(Path(p).name for p in self._sources[:3])
            )
        self._show_sections(True)
        self._update_continue()

    def selection(self) -> DataSelection:
        """The choice as it stands (what Continue emits)."""
        report = self._report
        mapping = report.mapping if report else None
        readiness = report.readiness if report else None
        dropped = 0
        if readiness is not None:
            dropped = readiness.duplicates + readiness.empty + readiness.too_short
            dropped += readiness.too_long
        names = ", ".join(Path(p).name for p in self._sources[:2])
        count = ""
        if readiness is not None:
            pieces = readiness.pieces or readiness.examples
            count = f" ({pieces:,} pieces of writing"
            if readiness.examples != pieces:
                count += f" → {readiness.examples:,} examples"
            count += ")"
        files = report.files if report else ()
        sheet = self._sheet or next((f.sheet for f in files if f.sheet), "")
        return DataSelection(
            sources=tuple(self._sources),
            sheet=sheet if len(files) == 1 else self._sheet,
            include_pages_and_drafts=self._pages_and_drafts,
            text_column=self._columns[0] or (mapping.text if mapping else ""),
            prompt_column=self._columns[1] or (mapping.prompt if mapping else ""),
            system_column=self._columns[2] or (mapping.system if mapping else ""),
            redact=self._redact,
            not_personal=self._not_personal,
            rights=self.rights.answer(),  # type: ignore[arg-type]
            examples=readiness.examples if readiness else 0,
            dropped=dropped,
            total_tokens=readiness.total_tokens if readiness else 0,
            label=f"{names}{count}" if names else "",
        )

    # -- engine ---------------------------------------------------------------------------
    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.sig_event.disconnect(self._on_engine_event)
            process.sig_exited.disconnect(self._on_engine_exited)
            process.kill_now()
            self._retired.append(process)

    def _prune_retired(self) -> None:
        """Delete engine threads that ended a while ago (never one still inside run())."""
        for process in [p for p in self._retired if p.isFinished()]:
            self._retired.remove(process)
            process.deleteLater()

    def _on_engine_event(self, event: Event) -> None:
        if self.sender() is not self._process:
            return  # a late event from an abandoned preview
        if isinstance(event, Report) and event.name == "data_preview":
            self._got_report = True
            report = DataPreview.from_dict(event.body)
            self._reports[self._pending_args] = report
            self.show_report(report)
        elif (
            isinstance(event, Failed)
            and event.kind == ErrorKind.MODEL_NOT_FOUND
            and self._model
            and not self._model_missing
        ):
            # The model is not downloaded yet: preview the text without its chat template.
            self._got_report = True
            self._model_missing = self._model
            self.request_preview()
            self._show_message(
                f"The preview shows your writing without {self._model}'s chat template, because "
                "the model is not on this computer yet. Once it is downloaded, choose it again "
                "on the Model step to see the exact training text."
            )
        elif isinstance(event, Failed):
            self._got_report = True
            self.busy.hide()
            self._show_message(failure_text(event))
            self._report = None
            self._show_sections(False)
            if self._columns[0] and self.mapping.text_combo.count():
                # The user's own column choice failed (all rows too short, say): keep the
                # pickers so that another column is one click away, not a "Start over".
                self.mapping.show()
            if self._sheet and self.options.sheet_combo.count():
                self.options.show()  # likewise another sheet stays one click away
            self._update_continue()

    def _on_engine_exited(self, code: int) -> None:
        if self.sender() is not self._process:
            return
        process, self._process = self._process, None
        self.busy.hide()
        if not self._got_report:
            detail = process.stderr_tail(600) if process is not None else ""
            self._show_message(
                "Quillora's engine stopped before it finished reading your files "
                f"(exit status {code}). Try again; if it keeps happening, copy the details "
                "below for support.\n\n" + detail
            )
        if process is not None:
            self._retired.append(process)
        self._emit_if_ready()  # a fresh report: the Train step gets the new counts

    # -- user actions ---------------------------------------------------------------------
    def _on_mapping_changed(self, text: str, prompt: str, system: str) -> None:
        self._columns = (text, prompt, system)
        self.request_preview()

    def _on_options_sheet_chosen(self, sheet: str) -> None:
        if sheet == self._sheet or (not self._sheet and self._report_sheet() == sheet):
            return
        self._sheet = sheet
        self._columns = ("", "", "")  # another sheet has other columns: guess again
        self.request_preview()

    def _on_options_pages_and_drafts(self, checked: bool) -> None:
        self._pages_and_drafts = checked
        self.request_preview()

    def _report_sheet(self) -> str:
        files = self._report.files if self._report is not None else ()
        return next((f.sheet for f in files if f.sheet), "")

    def _on_pii_redact_changed(self, kinds: tuple[str, ...]) -> None:
        self._redact = tuple(kinds)
        self.request_preview()

    def _on_pii_not_personal_changed(self, words: tuple[str, ...]) -> None:
        self._not_personal = tuple(words)
        if self._sources:
            set_not_personal_words(self._sources, self._not_personal)
        self.request_preview()

    def _on_rights_answered(self, _answer: str) -> None:
        self._update_continue()
        self._emit_if_ready()

    def _emit_if_ready(self) -> None:
        """Keep the Train step's counts current once the data is usable and the rights known."""
        self._update_continue()
        if self.continue_button.isEnabled():
            self.sig_data_ready.emit(self.selection())

    def _on_continue_clicked(self) -> None:
        if not self.continue_button.isEnabled():
            return
        self.sig_data_ready.emit(self.selection())
        self.sig_continue_requested.emit()

    def _show_message(self, text: str) -> None:
        """A plain-language notice; its first line is the headline."""
        first, _, rest = text.partition("\n")
        body = html.escape(rest).replace("\n", "<br>")
        self.message.setText(f"<b>{html.escape(first)}</b>" + (f"<br>{body}" if rest else ""))
        self.message.show()

    def _update_continue(self, *_args: object) -> None:
        hint = ""
        if self._process is not None:
            hint = "Reading your files…"
        elif self._report is None and self._sources:
            hint = "Fix the problem above or choose other files to continue."
        elif self._report is None:
            hint = "Add your writing to continue."
        elif self._report.readiness.level == "none":
            hint = "None of the rows can be used yet; see above."
        elif not self.rights.answer():
            hint = "Answer “Whose writing is this?” to continue."
        self.continue_hint.setText(hint)
        self.continue_button.setEnabled(not hint)
