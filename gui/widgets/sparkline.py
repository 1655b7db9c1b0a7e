"""A tiny loss curve for the Runs list, drawn with QPainter (no chart library per row)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from gui.widgets.theme import colors


class Sparkline(QWidget):
    def __init__(self, values: list[float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = downsample([v for v in values if v == v], 120)  # drop NaN
        self.setFixedSize(QSize(140, 40))
        self.setAccessibleName("Loss curve of this run")

    def sizeHint(self) -> QSize:
        return QSize(140, 40)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = colors()
        if len(self.values) < 2:
            painter.setPen(QColor(c["muted"]))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no curve yet")
            return
        low, high = min(self.values), max(self.values)
        span = (high - low) or 1.0
        w, h, pad = self.width(), self.height(), 4
        path = QPainterPath()
        for i, value in enumerate(self.values):
            x = pad + (w - 2 * pad) * i / (len(self.values) - 1)
            y = pad + (h - 2 * pad) * (1 - (value - low) / span)
            if i == 0:
                path.moveTo(QPointF(x, y))
            else:
                path.lineTo(QPointF(x, y))
        painter.setPen(QPen(QColor(c["chart_train"]), 1.8))
        painter.drawPath(path)


def downsample(values: list[float], limit: int) -> list[float]:
    if len(values) <= limit:
        return values
    stride = len(values) / limit
    return [values[int(i * stride)] for i in range(limit)]
