"""A conversation as speech bubbles that grow token by token; also the answer cards of the
side-by-side and blind comparisons.

Colours come from gui.widgets.theme so both schemes read well; the widget knows nothing of engines.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
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


class WrappedText(QLabel):
    """Word-wrapped text whose minimum height is the height its text needs at its width.

    A wrapped QLabel's own minimum assumes a narrow width; inside the scroll area that left
    hundreds of pixels of blank space below a long reply, and no minimum at all let the
    layout clip the reply's last lines. The exact figure is kept as the width or text moves.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setMinimumHeight(1)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(self.width()) if self.width() > 1 else 1
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


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
        self.label = WrappedText()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setText(text)
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
        self._following = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.actionTriggered.connect(self._on_user_scrolled)

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
        """Keep the newest text in sight, also as the layout grows after this call."""
        self._following = True
        QTimer.singleShot(0, self, self._to_bottom)  # cancelled if the view is deleted

    def _to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_range_changed(self, _low: int, high: int) -> None:
        if self._following:
            self.verticalScrollBar().setValue(high)

    def _on_user_scrolled(self, _action: int) -> None:
        # Scrolling up to reread stops the following until the next piece of text.
        bar = self.verticalScrollBar()
        self._following = bar.sliderPosition() >= bar.maximum() - 4


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
