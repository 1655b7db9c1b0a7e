"""The one-click demo's hand-over from the Data step to the Train step.

The Data step hands its selection over on Continue; for the demo, Train should show its
estimate as soon as the samples are counted. `DemoCounts` checks the Data step twice a second
(for up to 2 minutes) and passes the counts on; its timer belongs to the window, so it stops
with it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from gui.core.selection import DataSelection
from gui.steps.data.page import DataPage
from gui.steps.train.page import TrainPage

TRIES = 240


class DemoCounts(QObject):
    def __init__(
        self, train_page: TrainPage, data_page: Callable[[], DataPage], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._train_page = train_page
        self._data_page = data_page
        self._samples = ""
        self._tries = 0
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._on_timer_timeout)

    def watch(self, samples: str) -> None:
        self._samples = samples
        self._tries = TRIES
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._tries -= 1
        selection = self._train_page.selection
        done = (
            self._tries <= 0
            or selection is None
            or selection.sources != (self._samples,)  # the user chose other data meanwhile
            or bool(selection.examples)
        )
        counted = None if done else self._data_page().selection()
        if counted is not None and counted.examples:
            self._train_page.set_selection(
                DataSelection(
                    sources=(self._samples,),
                    text_column=counted.text_column,
                    prompt_column=counted.prompt_column,
                    system_column=counted.system_column,
                    rights=counted.rights,
                    examples=counted.examples,
                    total_tokens=counted.total_tokens,
                    label=f"Sample brand copy (demo, {counted.examples:,} examples)",
                )
            )
            done = True
        if done:
            self._timer.stop()
