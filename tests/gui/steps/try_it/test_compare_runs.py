"""Side by side, "This run vs another run": the chat child gets --other, both replies stream."""

from __future__ import annotations

import json
from pathlib import Path

from gui.steps.try_it.compare import NO_OTHER_RUN, OTHER_RUN, ComparePanel, comparable_runs
from gui.steps.try_it.controller import ChatController
from tests.gui.steps.try_it.conftest import make_run, requests_sent


def _argv(tmp_path: Path) -> list[list[str]]:
    lines = (tmp_path / "argv.log").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_other_run_answers_beside_this_run(qtbot, fake_base, _private_data_dir, tmp_path):
    this = make_run(_private_data_dir, "20261127-100000-demo")
    other = make_run(_private_data_dir, "20261128-100000-demo")
    controller = ChatController(fake_base)
    panel = ComparePanel(controller)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(controller.sig_ready, timeout=10000):
        controller.open_run(this)
    panel.set_mode(OTHER_RUN)
    assert panel.other_picker.count() == 1 and panel.other_run() == other
    assert panel.cards["other"].title.text() == f"Other run: {other.name}"
    panel.prompt.setText("A tagline for tea")
    done: list[str] = []
    controller.sig_reply_done.connect(lambda event: done.append(event.variant))
    # The first Compare restarts the child with the other run, then sends the prompt.
    panel.compare_button.click()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=10000)
    assert _argv(tmp_path)[-1][-4:] == ["--run", str(this), "--other", str(other)]
    assert controller.other_dir == other
    assert panel.cards["tuned"].text() == "tuned reply 1 to: A tagline for tea"
    assert panel.cards["other"].text() == "other reply 2 to: A tagline for tea"
    sent = [r for r in requests_sent(tmp_path) if r["type"] == "generate"]
    assert [r["variant"] for r in sent] == ["tuned", "other"]
    assert sent[0]["seed"] == sent[1]["seed"]
    # A second Compare reuses the loaded pair: no new child.
    children = len(_argv(tmp_path))
    qtbot.waitUntil(panel.compare_button.isEnabled, timeout=5000)
    panel.compare_button.click()
    qtbot.waitUntil(lambda: len(done) == 4, timeout=10000)
    assert len(_argv(tmp_path)) == children
    # Back to the original model: the same child answers as base and tuned.
    panel.set_mode("original")
    qtbot.waitUntil(panel.compare_button.isEnabled, timeout=5000)
    panel.compare_button.click()
    qtbot.waitUntil(lambda: len(done) == 6, timeout=10000)
    assert done[-2:] == ["base", "tuned"] and panel.cards["base"].title.text() == "Original model"
    assert not panel.cards["other"].isVisibleTo(panel) and panel.cards["base"].isVisibleTo(panel)
    controller.shutdown()


def test_runs_on_another_model_are_not_offered(qtbot, fake_base, _private_data_dir):
    this = make_run(_private_data_dir, "20261127-100000-demo")
    other = make_run(_private_data_dir, "20261128-100000-llama")
    run_json = {"config": {"model": {"name": "meta-llama/Llama-3.2-1B-Instruct"}}}
    (other / "run.json").write_text(json.dumps(run_json), "utf-8")
    assert comparable_runs(this) == []
    controller = ChatController(fake_base)
    panel = ComparePanel(controller)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(controller.sig_ready, timeout=10000):
        controller.open_run(this)
    panel.set_mode(OTHER_RUN)
    panel.prompt.setText("Hello")
    assert panel.explain.text() == NO_OTHER_RUN
    assert not panel.compare_button.isEnabled()
    controller.shutdown()
