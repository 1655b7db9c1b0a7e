"""The first-run welcome: what Quillora does, and a one-click offline demo.

The demo sets the model to the offline demo model (SmolLM2-135M-Instruct) and the data to the
bundled samples, then opens the Train step, so a newcomer sees a whole run in a few minutes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from gui.widgets.page import card, header, muted, scrolling_page, section_title
from gui.widgets.theme import colors, icon

STEPS = (
    (
        "model",
        "1. Pick a model",
        "A ready-made open model to start from. Small ones train on an ordinary computer.",
    ),
    (
        "data",
        "2. Add your writing",
        "Posts, emails, articles: a CSV or a folder of documents. "
        "Your files are never changed or sent anywhere.",
    ),
    ("train", "3. Train", "One dial: quick, balanced or thorough. Watch it learn your voice."),
    ("try", "4. Try it", "Write with your model, side by side with the original."),
)


class WelcomePage(QWidget):
    sig_demo_requested = Signal()
    sig_start_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = scrolling_page(self)
        layout.addWidget(
            header(
                "Teach a model to write like you",
                "Quillora trains an open language model on your own writing, on this computer. "
                "Nothing you load leaves it.",
            )
        )
        hero, hero_layout = card("heroCard")
        hero_layout.addWidget(section_title("See it work in a few minutes"))
        hero_layout.addWidget(
            muted(
                "The demo teaches a small real model (SmolLM2-135M-Instruct, shipped with "
                "Quillora) the voice of some sample brand copy, right here and offline, on "
                "your processor. Then ask it for a blurb and compare it with the model before "
                "training: every step you will use with your own writing."
            )
        )
        row = QHBoxLayout()
        self.demo_button = QPushButton(icon("play", colors()["on_accent"]), "  Try the demo")
        self.demo_button.setObjectName("primary")
        self.demo_button.setAccessibleName(
            "Try the demo: teach the demo model the sample brand's voice"
        )
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.sig_demo_requested)
        self.start_button = QPushButton("Start with my own writing")
        self.start_button.clicked.connect(self.sig_start_requested)
        row.addWidget(self.demo_button)
        row.addWidget(self.start_button)
        row.addStretch(1)
        hero_layout.addLayout(row)
        layout.addWidget(hero)

        layout.addWidget(section_title("How it works"))
        grid = QHBoxLayout()
        grid.setSpacing(12)
        self._badges: list[tuple[QLabel, str]] = []
        for icon_name, title, text in STEPS:
            frame, box = card()
            top = QHBoxLayout()
            badge = QLabel()
            badge.setPixmap(icon(icon_name).pixmap(22, 22))
            self._badges.append((badge, icon_name))
            top.addWidget(badge)
            top.addWidget(section_title(title), 1)
            box.addLayout(top)
            box.addWidget(muted(text))
            box.addStretch(1)
            grid.addWidget(frame, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        foot = muted("You can come back here any time: “Start here” in the sidebar.")
        foot.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(foot)

    def refresh_theme(self) -> None:
        self.demo_button.setIcon(icon("play", colors()["on_accent"]))
        for badge, icon_name in self._badges:
            badge.setPixmap(icon(icon_name).pixmap(22, 22))

    def focus_demo(self) -> None:
        self.demo_button.setFocus()
