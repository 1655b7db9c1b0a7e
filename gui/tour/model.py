"""Scripted Model screens for `python -m gui.tour`: doctor reports as the engine sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gui.tour.demo_reports import demo_doctor_report

if TYPE_CHECKING:
    from gui.steps.model.page import ModelPage


def tour_states(page: ModelPage) -> list[tuple[str, Callable[[], None]]]:
    """The Model page with a GPU, without one, and while a download runs."""

    def with_gpu() -> None:
        page.set_doctor_report(demo_doctor_report(24.0))
        page.set_cached_models([])
        page.tabs.setCurrentIndex(0)

    def no_gpu() -> None:
        page.set_doctor_report(demo_doctor_report(None))
        page.tabs.setCurrentIndex(0)

    def downloading() -> None:
        with_gpu()
        page.set_model("demo")
        page.downloads.title.setText("Downloading Qwen/Qwen2.5-1.5B-Instruct")
        page.downloads.show_progress(1_240_000_000, 3_090_000_000, 24_500_000)
        page.downloads.show()

    return [("model-gpu", with_gpu), ("model-no-gpu", no_gpu), ("model-download", downloading)]
