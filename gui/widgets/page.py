"""Small building blocks every page uses: a title with a subtitle, cards, scrolling, and
opening a file or folder in the system's own app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

PAGE_MARGINS = (36, 28, 36, 28)


def header(title: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 8)
    layout.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("pageTitle")
    label.setAccessibleName(title)
    layout.addWidget(label)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return box


def card(object_name: str = "card") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(object_name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 18, 20, 18)
    layout.setSpacing(10)
    return frame, layout


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def muted(text: str, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


def scrolling_page(parent: QWidget) -> QVBoxLayout:
    """Give `parent` a vertical scroll area and return the layout to fill."""
    outer = QVBoxLayout(parent)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    inner = QWidget()
    inner.setObjectName("pageArea")
    scroll.setWidget(inner)
    outer.addWidget(scroll)
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(*PAGE_MARGINS)
    layout.setSpacing(16)
    return layout


def open_in_system(path: Path | str) -> None:
    """Show a local file or folder in the system's file manager or default app."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
