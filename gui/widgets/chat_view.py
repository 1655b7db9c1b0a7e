"""A conversation as speech bubbles that grow token by token; also the answer cards of the
side-by-side and blind comparisons.

Colours come from gui.widgets.theme so both schemes read well; the widget knows nothing of engines.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.theme import colors


def bubble_style(role: str) -> str:
    c = colors()
    if role == "user":
        return (
            f"QFrame#bubble {{ background: {c['accent_soft']}; border: 1px solid "
            f"{c['accent_border']}; border-radius: 12px; }}"
        )
    return (
        f"QFrame#bubble {{ background: {c['card']}; border: 1px solid {c['border']}; "
        "border-radius: 12px; }"
    )


class Bubble(QFrame):
    """One turn: who speaks, and the text (selectable, so a part can be copied)."""

    def __init__(self, role: str, text: str = "", caption: str = "") -> None:
        super().__init__()
        self.setObjectName("bubble")
        self.role = role
        self.setStyleSheet(bubble_style(role))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        self.caption = QLabel(caption or ("You" if role == "user" else "Your model"))
        self.caption.setObjectName("muted")
        layout.addWidget(self.caption)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.label)

    def text(self) -> str:
        return self.label.text()

    def append(self, piece: str) -> None:
        self.label.setText(self.label.text() + piece)

    def set_text(self, text: str) -> None:
        self.label.setText(text)


class ChatView(QScrollArea):
    """The transcript: user turns on the right, the model's on the left; follows new text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumHeight(260)
        inner = QWidget()
        inner.setObjectName("pageArea")
        self.setWidget(inner)
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(4, 4, 12, 4)
        self._column.setSpacing(10)
        self._column.addStretch(1)
        self.bubbles: list[Bubble] = []
        self.empty_note = QLabel("")
        self.empty_note.setObjectName("muted")
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._column.insertWidget(0, self.empty_note)

    def set_empty_text(self, text: str) -> None:
        self.empty_note.setText(text)
        self.empty_note.setVisible(not self.bubbles)

    def clear(self) -> None:
        for bubble in self.bubbles:
            bubble.setParent(None)
            bubble.deleteLater()
        self.bubbles = []
        self.empty_note.setVisible(True)

    def add(self, role: str, text: str = "", caption: str = "") -> Bubble:
        bubble = Bubble(role, text, caption)
        row = QHBoxLayout()
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        if role == "user":
            row.addStretch(1)
            row.addWidget(bubble, 4)
        else:
            row.addWidget(bubble, 4)
            row.addStretch(1)
        self._column.insertWidget(self._column.count() - 1, holder)
        bubble.destroyed.connect(holder.deleteLater)
        self.bubbles.append(bubble)
        self.empty_note.setVisible(False)
        self.follow()
        return bubble

    def last(self) -> Bubble | None:
        return self.bubbles[-1] if self.bubbles else None

    def follow(self) -> None:
        """Keep the newest text in sight (after the layout has grown)."""
        QTimer.singleShot(0, self, self._to_bottom)  # cancelled if the view is deleted

    def _to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())


class AnswerCard(QFrame):
    """One answer in a comparison: a title (or none, when blind) and text that streams in."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        self.title = QLabel(title)
        self.title.setObjectName("sectionTitle")
        layout.addWidget(self.title)
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setMinimumHeight(120)
        layout.addWidget(self.body, 1)
        self.footer = QLabel("")
        self.footer.setObjectName("muted")
        layout.addWidget(self.footer)

    def text(self) -> str:
        return self.body.text()

    def set_text(self, text: str) -> None:
        self.body.setText(text)

    def append(self, piece: str) -> None:
        self.body.setText(self.body.text() + piece)
