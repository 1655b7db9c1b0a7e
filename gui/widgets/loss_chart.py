"""The live loss chart on the Train page: training loss and held-out loss by step (pyqtgraph).

Training loss is noisy from step to step, so a smoothed line is drawn over faint raw points;
held-out loss (the check on writing the model has not seen) is drawn as dots joined by a line.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.theme import colors

SMOOTHING = 0.3  # exponential moving average weight of the previous value


class LossChart(QWidget):
    """Two curves that grow as events arrive; `clear()` for a new run.

    Points are recorded at once but drawn on the next turn of the event loop: replaying a
    long run's history (a resumed or reattached run, the run page) adds thousands of points in
    one go, and handing pyqtgraph the whole curve again for each one was quadratic.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Loss chart: how far the model's writing is from yours")
        pg.setConfigOptions(antialias=True)
        c = colors()
        self.plot = pg.PlotWidget(background=c["card"])
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setTextPen(pg.mkPen(c["muted"]))
            axis.setPen(pg.mkPen(c["border_strong"]))
        self.plot.setLabel("bottom", "step", color=c["muted"])
        self.plot.setLabel("left", "loss (lower is closer to your writing)", color=c["muted"])
        legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=c["text"])
        legend.setBrush(pg.mkBrush(c["card"]))
        self._raw = self.plot.plot(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=4,
            symbolBrush=pg.mkBrush(c["chart_train"] + "55"),
            symbolPen=None,
        )
        self._train = self.plot.plot(
            [], [], pen=pg.mkPen(c["chart_train"], width=2.5), name="Training"
        )
        self._heldout = self.plot.plot(
            [],
            [],
            pen=pg.mkPen(c["chart_heldout"], width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
            symbol="o",
            symbolSize=7,
            symbolBrush=pg.mkBrush(c["chart_heldout"]),
            symbolPen=None,
            name="Held-out check",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(0)
        self._redraw_timer.timeout.connect(self._redraw)
        self.clear()

    def apply_colors(self) -> None:
        """Follow a switch between light and dark."""
        c = colors()
        self.plot.setBackground(c["card"])
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setTextPen(pg.mkPen(c["muted"]))
            axis.setPen(pg.mkPen(c["border_strong"]))
        self._raw.setSymbolBrush(pg.mkBrush(c["chart_train"] + "55"))
        self._train.setPen(pg.mkPen(c["chart_train"], width=2.5))
        self._heldout.setPen(
            pg.mkPen(c["chart_heldout"], width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self._heldout.setSymbolBrush(pg.mkBrush(c["chart_heldout"]))

    def clear(self) -> None:
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.heldout_steps: list[int] = []
        self.heldout_losses: list[float] = []
        self._redraw()

    def add_train(self, step: int, loss: float) -> None:
        if self.steps and step <= self.steps[-1]:
            return  # a replayed or resumed step we already drew
        previous = self.smoothed[-1] if self.smoothed else loss
        self.steps.append(step)
        self.losses.append(loss)
        self.smoothed.append(SMOOTHING * previous + (1 - SMOOTHING) * loss)
        self._redraw_timer.start()

    def add_heldout(self, step: int, loss: float) -> None:
        if self.heldout_steps and step <= self.heldout_steps[-1]:
            return
        self.heldout_steps.append(step)
        self.heldout_losses.append(loss)
        self._redraw_timer.start()

    def _redraw(self) -> None:
        self._redraw_timer.stop()
        self._raw.setData(self.steps, self.losses)
        self._train.setData(self.steps, self.smoothed)
        self._heldout.setData(self.heldout_steps, self.heldout_losses)
