"""One end-to-end check with the real engine: a few steps of the tiny test model, then
`python -m engine chat` on that run streams a reply into the Try it panel."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.steps.try_it.page import TryPage

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.slow
def test_real_chat_engine_streams_into_the_panel(qtbot, tiny_run_copy: Path):
    run = tiny_run_copy  # a real 3-step run (tests/conftest.py); chat writes into it
    page = TryPage()  # the real engine command line
    qtbot.addWidget(page)
    page.set_run(run)
    with qtbot.waitSignal(page.controller.sig_ready, timeout=180_000) as ready:
        page.show()
    assert ready.args[0].model == "tiny-test" and not page.demo_note.isVisibleTo(page)
    page.settings.seed.setValue(3)
    page.settings.length.setCurrentIndex(0)  # short: 96 tokens at most
    pieces: list[str] = []
    page.controller.sig_token.connect(lambda rid, variant, text: pieces.append(text))
    page.chat.box.setPlainText("Write a product blurb for Harbour Fog, our smoked oolong.")
    with qtbot.waitSignal(page.controller.sig_reply_done, timeout=120_000) as done:
        page.chat.send_button.click()
    event = done.args[0]
    assert event.new_tokens > 0 and not event.stopped
    assert len(pieces) >= 2  # streamed piece by piece, not in one block
    bubble = page.chat.view.bubbles[-1]
    assert bubble.role == "assistant" and bubble.text() == event.text and event.text.strip()
    assert page.controller.messages[-1].content == event.text
    assert (run / "chat-history.json").exists()
    page.shutdown()
