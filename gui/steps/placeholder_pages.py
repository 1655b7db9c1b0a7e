"""Try it and Share until their real pages land (gui/steps/try_it/page.py, share_page.py).

Both take `set_run(run_dir)`: the main window hands them the finished run to chat with or
to export.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from gui.widgets.page import card, header, muted, scrolling_page, section_title


class _Placeholder(QWidget):
    TITLE = ""
    SUBTITLE = ""
    BODY = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        layout = scrolling_page(self)
        layout.addWidget(header(self.TITLE, self.SUBTITLE))
        frame, box = card()
        box.addWidget(section_title("Coming soon"))
        self.body = muted(self.BODY)
        box.addWidget(self.body)
        layout.addWidget(frame)
        layout.addStretch(1)

    def set_run(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        if run_dir is not None:
            self.body.setText(f"{self.BODY}\n\nRun: {run_dir.name}")


class TryItPlaceholder(_Placeholder):
    TITLE = "Try it"
    SUBTITLE = "Write with your trained model, next to the original model."
    BODY = "Chatting with a trained run arrives in the next version of Quillora."


class SharePlaceholder(_Placeholder):
    TITLE = "Share"
    SUBTITLE = "Take your model to Ollama, LM Studio or another app."
    BODY = "Exporting the adapter, a merged model or a GGUF file arrives in the next version."
