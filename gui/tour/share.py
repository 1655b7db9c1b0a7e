"""Scripted Share screens for `python -m gui.tour`: no engine; events as the engine sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.contract.errors import ErrorKind
from engine.contract.events import ExportFinished, Failed
from gui.tour.try_it import tour_run

if TYPE_CHECKING:
    from gui.steps.share.page import SharePage


def tour_states(page: SharePage) -> list[tuple[str, Callable[[], None]]]:
    page.set_run(tour_run())
    page.result.auto_ollama = False

    def choose() -> None:
        page.format_buttons["gguf"].setChecked(True)

    def exporting() -> None:
        page.progress.setVisible(True)
        page.export_button.setEnabled(False)
        page.cancel_button.setVisible(True)
        page._set_choices_enabled(False)
        page._on_controller_progress("writing", 27, 45)

    def done() -> None:
        out = page.out.text()
        slug = "20261127-093000-demo"
        page.controller.report = {
            "ollama_command": [
                "ollama",
                "create",
                f"quillora-{slug}",
                "-f",
                f"{out}/quillora/{slug}/Modelfile",
            ]
        }
        page._on_controller_finished(
            ExportFinished(
                format="gguf",
                path=f"{out}/quillora/{slug}/{slug}-q4_k_m.gguf",
                size_bytes=7_412_736,
                next_step="",
            )
        )

    def ollama_adding() -> None:
        done()
        page.result.ollama_status.setText("")
        page.result._on_ollama_progress("Copying the model into Ollama (64%)", 64)

    def ollama_added() -> None:
        ollama_adding()
        page.result._on_ollama_finished(True, "success")
        page.result.chat_button.setVisible(True)  # as on a desktop with a terminal

    def failed() -> None:
        page._on_controller_failed(
            Failed(
                kind=ErrorKind.DISK_FULL,
                message="This export needs about 8.6 GB of free disk space, but the drive "
                "holding it has 2.1 GB free.",
                detail="needed=8600000000 free=2100000000",
            )
        )

    return [
        ("share", choose),
        ("share-exporting", exporting),
        ("share-done", done),
        ("share-ollama-adding", ollama_adding),
        ("share-ollama-added", ollama_added),
        ("share-error", failed),
    ]
