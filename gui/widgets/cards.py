"""Small building blocks the Model and Data pages share: headings, notes, pills, cards.

Headings, muted notes and cards carry the object names the theme (gui/widgets/theme.py,
assets/style/app.qss) styles, so light and dark follow the system; the tones of a verdict
pill are translucent so they read on either background.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

Tone = Literal["good", "warn", "bad", "neutral", "accent"]

TONES: dict[str, tuple[str, str]] = {
    # background (translucent), border
    "good": ("rgba(46, 160, 67, 0.18)", "rgba(46, 160, 67, 0.65)"),
    "warn": ("rgba(210, 153, 34, 0.20)", "rgba(210, 153, 34, 0.70)"),
    "bad": ("rgba(218, 54, 51, 0.18)", "rgba(218, 54, 51, 0.65)"),
    "neutral": ("rgba(128, 128, 128, 0.14)", "rgba(128, 128, 128, 0.45)"),
    "accent": ("rgba(56, 132, 255, 0.16)", "rgba(56, 132, 255, 0.65)"),
}


def heading(text: str, level: int = 1) -> QLabel:
    """A page title (level 1) or a section title (level 2)."""
    label = QLabel(text)
    label.setObjectName("pageTitle" if level == 1 else "sectionTitle")  # styled by the theme
    font = label.font()
    font.setBold(True)
    if level == 2:
        font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def note(text: str = "", *, muted: bool = True, selectable: bool = False) -> QLabel:
    """A wrapped paragraph; muted notes use the palette's placeholder colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if muted:
        label.setObjectName("muted")  # the theme's muted colour
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


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
    """A rounded panel with a palette-coloured border; `highlight` uses the accent tone."""

    def __init__(self, parent: QWidget | None = None, *, highlight: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.NoFrame)
        if highlight:  # plain cards take the theme's #card rule
            border, background = TONES["accent"][1], TONES["accent"][0]
            self.setStyleSheet(
                f"QFrame#card {{ border: 1px solid {border}; border-radius: 12px;"
                f" background: {background}; }}"
            )
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 12)
        self.body.setSpacing(6)
