"""Share: export a trained run for Ollama, LM Studio and other tools.

The user picks what to make (a GGUF file for Ollama / LM Studio / llama.cpp, the adapter
alone, or a merged model), a quality for GGUF, and a folder; `ExportController` runs
`engine export` and the progress bar follows ExportProgress. An existing export is never
replaced without asking (then --overwrite is passed). Failures (a full disk first) are worded
through gui.core.messages. The result card (gui.steps.share.result) offers the next steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QWidget,
)

from engine.contract.errors import ErrorKind
from engine.contract.events import ExportFinished, Failed
from engine.contract.gguf_types import GGUF_TYPE_INFO, GGUF_TYPES, type_summary
from engine.contract.paths import data_dir
from gui.core.messages import ErrorDialog, message_for
from gui.steps.share.controller import ExportController, ExportRequest, needs_overwrite
from gui.steps.share.result import ShareResult
from gui.widgets.page import card, header, muted, scrolling_page, section_title
from gui.widgets.run_picker import fill_run_picker

FORMATS = (
    (
        "gguf",
        "For Ollama, LM Studio and llama.cpp (GGUF)",
        "One file with your style built in, plus an Ollama Modelfile and an LM Studio-ready "
        "folder. The usual choice.",
    ),
    (
        "adapter",
        "The adapter alone",
        "Small: just what training learned. For developers who load it on the base model "
        "with PEFT.",
    ),
    (
        "merged",
        "A full merged model",
        "The base model with your style merged in (16-bit safetensors), for transformers, "
        "vLLM and other tools. As large as the base model.",
    ),
)
QUANT_CHOICES = tuple((key, GGUF_TYPE_INFO[key].label) for key in GGUF_TYPES)
STAGES = {
    "checking": "Checking the run and the free disk space\u2026",
    "copying": "Copying the adapter\u2026",
    "merging": "Merging your style into the model\u2026",
    "writing": "Writing the model file\u2026",
}
# Where the shared wording (gui.core.messages) speaks of training runs, exports need their own
# next step; titles and explanations still come from gui.core.messages.
EXPORT_NEXT_STEPS = {
    ErrorKind.DISK_FULL: "Free some space, or choose a folder on a larger drive under "
    "\u201cWhere\u201d, then export again. Nothing was left half-written.",
    ErrorKind.CANCELLED: "Export again whenever you like; nothing was left half-written.",
    ErrorKind.OUT_OF_GPU_MEMORY: "Close other programs that use the graphics card and export "
    "again; exports can also run without one.",
}


def default_out(run_dir: Path, fmt: str, quant: str) -> Path:
    suffix = f"{fmt}-{quant}" if fmt == "gguf" else fmt
    return data_dir() / "exports" / f"{run_dir.name}-{suffix}"


class SharePage(QWidget):
    def __init__(
        self, parent: QWidget | None = None, engine_base: Sequence[str] | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = ExportController(engine_base, parent=self)
        self.run_dir: Path | None = None
        self.last_failure: Failed | None = None
        self._out_edited = False
        # Asked before an existing export is replaced; tests swap in an answer.
        self.confirm_overwrite: Callable[[Path], bool] = self._ask_overwrite

        layout = scrolling_page(self)
        layout.addWidget(header("Share", "Take your model to Ollama, LM Studio or another app."))
        row = QHBoxLayout()
        row.addWidget(QLabel("Run"))
        self.run_picker = QComboBox()
        self.run_picker.setAccessibleName("Trained run to export")
        self.run_picker.activated.connect(self._on_run_picker_activated)
        row.addWidget(self.run_picker, 1)
        layout.addLayout(row)
        self.empty = muted("No trained run yet. Train one first, then export it here.")
        layout.addWidget(self.empty)
        self.error_banner = QLabel("")
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        layout.addWidget(self.error_banner)
        details_row = QHBoxLayout()
        details_row.addStretch(1)
        self.details_button = QPushButton("Details\u2026")
        self.details_button.clicked.connect(self.show_failure_details)
        details_row.addWidget(self.details_button)
        layout.addLayout(details_row)
        self.result = ShareResult(self.controller.copy_to_lmstudio)
        layout.addWidget(self.result)

        frame, box = card()
        box.addWidget(section_title("What to make"))
        self.format_group = QButtonGroup(self)
        self.format_buttons: dict[str, QRadioButton] = {}
        for key, title, text in FORMATS:
            button = QRadioButton(title)
            button.setAccessibleDescription(text)
            self.format_group.addButton(button)
            self.format_buttons[key] = button
            box.addWidget(button)
            note = muted(text)
            note.setContentsMargins(24, 0, 0, 4)
            box.addWidget(note)
        self.format_buttons["gguf"].setChecked(True)
        quant_row = QHBoxLayout()
        self.quant_label = QLabel("Quality")
        quant_row.addWidget(self.quant_label)
        self.quant = QComboBox()
        self.quant.setAccessibleName("GGUF quality")
        for key, text in QUANT_CHOICES:
            self.quant.addItem(text, key)
        quant_row.addWidget(self.quant, 1)
        box.addLayout(quant_row)
        self.quant_note = muted("")
        self.quant_note.setWordWrap(True)
        self.quant_note.setContentsMargins(0, 0, 0, 4)
        box.addWidget(self.quant_note)
        box.addWidget(section_title("Where"))
        out_row = QHBoxLayout()
        self.out = QLineEdit()
        self.out.setAccessibleName("Export folder")
        self.out.textEdited.connect(self._on_out_edited)
        out_row.addWidget(self.out, 1)
        browse = QPushButton("Choose\u2026")
        browse.clicked.connect(self._on_browse_clicked)
        out_row.addWidget(browse)
        box.addLayout(out_row)
        box.addWidget(
            muted("Every export carries a model card: what it was trained on, how, and its limits.")
        )
        actions = QHBoxLayout()
        self.stage = muted("")
        actions.addWidget(self.stage, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.controller.cancel)
        actions.addWidget(self.cancel_button)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export)
        actions.addWidget(self.export_button)
        box.addLayout(actions)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        box.addWidget(self.progress)
        self.options_card = frame
        layout.addWidget(frame)

        layout.addStretch(1)

        self.format_group.buttonToggled.connect(lambda *_: self._on_choice_changed())
        self.quant.currentIndexChanged.connect(lambda *_: self._on_choice_changed())
        self.controller.sig_progress.connect(self._on_controller_progress)
        self.controller.sig_finished.connect(self._on_controller_finished)
        self.controller.sig_failed.connect(self._on_controller_failed)
        self.controller.sig_copied.connect(self._on_controller_copied)
        self.controller.sig_copy_failed.connect(self._on_controller_copy_failed)
        self._show_idle()
        self.refresh_runs()

    # -- choices --------------------------------------------------------------------------
    def fmt(self) -> str:
        return next(k for k, b in self.format_buttons.items() if b.isChecked())

    def request(self, overwrite: bool = False) -> ExportRequest | None:
        if self.run_dir is None or not self.out.text().strip():
            return None
        return ExportRequest(
            run_dir=self.run_dir,
            format=self.fmt(),
            out=Path(self.out.text().strip()).expanduser(),
            quant=str(self.quant.currentData()),
            overwrite=overwrite,
        )

    def refresh_runs(self) -> None:
        runs, self.run_dir = fill_run_picker(self.run_picker, self.run_dir)
        self.empty.setVisible(not runs)
        self.options_card.setEnabled(bool(runs))
        self._on_choice_changed()

    def set_run(self, run_dir: Path | None) -> None:
        if run_dir is not None:
            self.run_dir = Path(run_dir)
            self._out_edited = False
            self.refresh_runs()

    def _on_run_picker_activated(self, index: int) -> None:
        data = self.run_picker.itemData(index)
        if data:
            self.set_run(Path(str(data)))

    def _on_choice_changed(self) -> None:
        gguf = self.fmt() == "gguf"
        self.quant.setEnabled(gguf)
        self.quant_label.setEnabled(gguf)
        self.quant_note.setVisible(gguf)
        self.quant_note.setText(type_summary(str(self.quant.currentData())))
        if self.run_dir is not None and not self._out_edited:
            self.out.setText(
                str(default_out(self.run_dir, self.fmt(), str(self.quant.currentData())))
            )

    def _on_out_edited(self, _text: str) -> None:
        self._out_edited = True

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.out.text())
        if folder:
            self.out.setText(folder)
            self._out_edited = True

    # -- exporting ------------------------------------------------------------------------
    def export(self) -> None:
        request = self.request()
        if request is None or self.controller.busy:
            return
        if needs_overwrite(request.out):
            if not self.confirm_overwrite(request.out):
                return
            request = self.request(overwrite=True)
            assert request is not None
        self.error_banner.setVisible(False)
        self.details_button.setVisible(False)
        self.result.setVisible(False)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.stage.setText(STAGES["checking"])
        self.export_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self._set_choices_enabled(False)
        self.controller.start(request)

    def _set_choices_enabled(self, enabled: bool) -> None:
        for widget in (*self.format_buttons.values(), self.quant, self.out, self.run_picker):
            widget.setEnabled(enabled)
        if enabled:
            self._on_choice_changed()

    def _ask_overwrite(self, out: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "Replace the existing export?",
            f"{out} already holds an export. Replace it with a new one? The old one stays "
            "until the new one is complete.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_controller_progress(self, stage: str, done: int, total: int) -> None:
        self.stage.setText(STAGES.get(stage, stage.capitalize() + "\u2026"))
        if total > 0:
            self.progress.setValue(int(100 * done / total))
        else:
            self.progress.setRange(0, 0)

    def _on_controller_finished(self, event: ExportFinished) -> None:
        self._show_idle()
        self.stage.setText("Done.")
        self.result.show_result(event, self.controller.report)
        self.result.setVisible(True)

    def _on_controller_failed(self, failed: Failed) -> None:
        self._show_idle()
        self.last_failure = failed
        words = message_for(failed.kind)
        next_step = EXPORT_NEXT_STEPS.get(failed.kind, words.next_step)
        self.error_banner.setText(f"<b>{words.title}.</b> {failed.message}<br>{next_step}")
        self.error_banner.setVisible(True)
        self.details_button.setVisible(bool(failed.detail))

    def _on_controller_copied(self, dest: str) -> None:
        self.result.lmstudio_done(f"<b>LM Studio</b>: copied to {dest}. Open LM Studio to use it.")

    def _on_controller_copy_failed(self, why: str) -> None:
        self.result.lmstudio_done(f"<b>LM Studio</b>: the copy did not work: {why}")

    def _show_idle(self) -> None:
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.stage.setText("")
        self.export_button.setEnabled(True)
        self.cancel_button.setVisible(False)
        self._set_choices_enabled(True)
        self.error_banner.setVisible(False)
        self.details_button.setVisible(False)
        self.result.setVisible(False)

    def show_failure_details(self) -> None:
        if self.last_failure is not None:
            ErrorDialog(self.last_failure, self).exec()

    def shutdown(self) -> None:
        self.controller.shutdown()
        self.result.ollama.stop()
