"""The blind A/B on the Try it step: picks tallied, saved into the run folder, reloaded."""

from __future__ import annotations

import json

from engine.contract.ab_test import AB_TEST_FILE, ABTest
from gui.steps.try_it.page import TryPage
from tests.gui.steps.try_it.conftest import make_run


def test_picks_are_tallied_and_saved(qtbot, fake_base, run_dir):
    page = TryPage(engine_base=fake_base)
    page.autostart = False  # the evaluation already holds both answers: no engine needed
    qtbot.addWidget(page)
    page.show()
    blind = page.blind
    assert blind.start_button.isEnabled()
    blind.start_button.click()
    test = blind.test
    assert test is not None and len(test.trials) == 6
    shown = test.trials[0].shown()
    assert "base" not in shown and "tuned" not in shown  # unlabelled
    assert blind.left.text() == shown["left"] and blind.right.text() == shown["right"]
    # Pick the tuned answer four times, the base once, and "can't tell" once.
    for i in range(6):
        trial = test.trials[blind.index]
        if i < 4:
            (blind.pick_left if trial.tuned_side == "left" else blind.pick_right).click()
        elif i == 4:
            (blind.pick_right if trial.tuned_side == "left" else blind.pick_left).click()
        else:
            blind.pick_tie.click()
    saved = json.loads((run_dir / AB_TEST_FILE).read_text("utf-8"))
    assert saved["score"]["tuned"] == 4 and saved["score"]["base"] == 1
    assert saved["score"]["ties"] == 1 and saved["score"]["unanswered"] == 0
    assert "4 of 5" in blind.result_number.text() and not blind.result_frame.isHidden()
    assert blind.pick_left.isHidden()
    # Reopening the run shows the saved outcome.
    again = TryPage(engine_base=fake_base)
    again.autostart = False
    qtbot.addWidget(again)
    assert again.blind.test is not None and again.blind.test.score().tuned == 4
    page.shutdown()
    again.shutdown()


def test_without_evaluation_both_models_write_the_answers(qtbot, fake_base, _private_data_dir):
    run = make_run(_private_data_dir, "20261127-110000-plain", samples=False)
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.set_run(run)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.blind.start_button.click()
    qtbot.waitUntil(lambda: page.blind.test is not None, timeout=15000)
    test = page.blind.test
    assert len(test.trials) == 4  # one starter prompt per kind of writing
    for trial in test.trials:
        tuned = trial.left if trial.tuned_side == "left" else trial.right
        base = trial.right if trial.tuned_side == "left" else trial.left
        assert tuned.startswith("tuned reply") and base.startswith("base reply")
    assert ABTest.load(run) is not None
    page.shutdown()
