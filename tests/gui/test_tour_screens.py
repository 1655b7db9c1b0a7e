"""The Try it and Share tour screens render in-process without an engine."""

from __future__ import annotations

from pathlib import Path

from gui.steps.share.page import SharePage
from gui.steps.try_it.page import TryPage
from gui.tour import share as share_tour
from gui.tour import try_it as try_tour


def test_tour_states_render_without_an_engine(qtbot, tmp_path: Path):
    page = TryPage(engine_base=["false-engine-never-started"])
    qtbot.addWidget(page)
    states = try_tour.tour_states(page)
    page.resize(1100, 760)
    page.show()
    names = []
    for name, setup in states:
        setup()
        assert not page.grab().isNull()
        names.append(name)
    assert names[:2] == ["try-loading", "try-chat"] and "try-blind-score" in names
    assert page.controller._process is None  # nothing was started
    assert page.blind.result_frame.isVisibleTo(page) and page.blind.test is not None
    share = SharePage(engine_base=["false-engine-never-started"])
    qtbot.addWidget(share)
    share.show()
    for _name, setup in share_tour.tour_states(share):
        setup()
    assert "The disk is full" in share.error_banner.text()
    assert share.controller.state == "idle"
    page.shutdown()
    share.shutdown()
