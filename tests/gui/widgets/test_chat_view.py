"""The chat transcript is as tall as its bubbles: no blank space after a long reply."""

from __future__ import annotations

LONG = "Night Watch is a blend of the finest black tea, from two plants in the world. " * 6


def test_the_transcript_is_as_tall_as_its_bubbles(qtbot) -> None:
    from gui.widgets.chat_view import ChatView

    view = ChatView()
    qtbot.addWidget(view)
    view.resize(1000, 280)
    view.show()
    for role, text in (("user", "A blurb, please."), ("assistant", LONG)) * 2:
        view.add(role, text)
    qtbot.waitUntil(lambda: view.bubbles[-1].height() > 0)
    qtbot.wait(50)
    bubbles = sum(bubble.height() for bubble in view.bubbles)
    spacing = view._column.spacing() * len(view.bubbles)
    # A word-wrapped label's minimum size hint assumes a narrow width; taken as the minimum,
    # it made the transcript hundreds of pixels taller than its text (blank after a reply).
    assert view.widget().height() <= bubbles + spacing + 40
    bar = view.verticalScrollBar()
    view.follow()  # as each streamed piece does
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    last = view.bubbles[-1]
    bottom = last.mapTo(view.widget(), last.rect().bottomLeft()).y() - bar.value()
    assert bottom <= view.viewport().height()  # the newest text is in sight
