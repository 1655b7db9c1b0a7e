"""The widget kit every page builds with: titles, paragraphs, pills, cards, scrolling, and
opening a file or folder in the system's own app.

Titles, muted paragraphs and cards carry the object names the theme styles (gui/widgets/theme.py,
assets/style/app.qss), so light and dark follow the system; the tones of a pill are
translucent so they read on either background.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

PAGE_MARGINS = (36, 28, 36, 28)

Tone = Literal["good", "warn", "bad", "neutral", "accent"]

TONES: dict[Tone, tuple[str, str]] = {
    # background (translucent), border
    "good": ("rgba(46, 160, 67, 0.18)", "rgba(46, 160, 67, 0.65)"),
    "warn": ("rgba(210, 153, 34, 0.20)", "rgba(210, 153, 34, 0.70)"),
    "bad": ("rgba(218, 54, 51, 0.18)", "rgba(218, 54, 51, 0.65)"),
    "neutral": ("rgba(128, 128, 128, 0.14)", "rgba(128, 128, 128, 0.45)"),
    "accent": ("rgba(56, 132, 255, 0.16)", "rgba(56, 132, 255, 0.65)"),
}


def header(title: str, subtitle: str = "") -> QWidget:
    """A page's title, with a muted line under it when `subtitle` is given."""
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


def section_title(text: str) -> QLabel:
    """The title of a card or a section of a page."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setAccessibleName(text)
    return label


def note(
    text: str = "",
    *,
    muted: bool = True,
    selectable: bool = False,
    wrap: bool = True,
    rich: bool = False,
) -> QLabel:
    """A paragraph. Muted ones take the theme's muted colour; `rich` lets simple markup such as
    <b> through (never for text the user or a file supplied); `selectable` allows copying."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.AutoText if rich else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if muted:
        label.setObjectName("muted")
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def muted(text: str, wrap: bool = True) -> QLabel:
    """A muted paragraph of the app's own wording, which may hold simple markup."""
    return note(text, wrap=wrap, rich=True)


def pill(text: str, tone: Tone = "neutral") -> QLabel:
    """A rounded label: a fit badge, a verdict, a tag such as 'gated'."""
    label = QLabel(text)
    set_pill(label, text, tone)
    label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return label


def set_pill(label: QLabel, text: str, tone: Tone) -> None:
    background, border = TONES[tone]
    label.setText(text)
    label.setProperty("tone", tone)
    label.setStyleSheet(
        f"QLabel {{ background: {background}; border: 1px solid {border}; border-radius: 9px;"
        " padding: 1px 8px; }"
    )


class Card(QFrame):
    """A rounded panel with a palette-coloured border; fill `body`. `highlight` uses the accent
    tone; `roomy` gives the wider margins of the pages' main cards."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        highlight: bool = False,
        roomy: bool = False,
        object_name: str = "card",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        if highlight:  # plain cards take the theme's #card rule
            border, background = TONES["accent"][1], TONES["accent"][0]
            self.setStyleSheet(
                f"QFrame#card {{ border: 1px solid {border}; border-radius: 12px;"
                f" background: {background}; }}"
            )
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(*((20, 18, 20, 18) if roomy else (14, 12, 14, 12)))
        self.body.setSpacing(10 if roomy else 6)


def card(object_name: str = "card") -> tuple[Card, QVBoxLayout]:
    """A roomy card and the layout to fill (`object_name` "heroCard" for the accent panel)."""
    frame = Card(roomy=True, object_name=object_name)
    return frame, frame.body


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
