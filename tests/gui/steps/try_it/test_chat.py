"""The chat controller and the Try it page against the scripted fake chat engine."""

from __future__ import annotations

import json
from pathlib import Path

from engine.contract.chat_protocol import Message
from gui.steps.try_it.controller import HISTORY_FILE, ChatController, load_history
from gui.steps.try_it.page import TryPage
from tests.gui.steps.try_it.conftest import make_run, requests_sent


def _ready(qtbot, controller: ChatController, run_dir: Path) -> None:
    with qtbot.waitSignal(controller.sig_ready, timeout=10000):
        controller.open_run(run_dir)
    assert controller.state == "ready"


def test_tokens_stream_into_the_view_and_history_is_saved(qtbot, fake_base, run_dir, tmp_path):
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    assert page.run_dir == run_dir  # the latest finished run by default
    assert page.demo_note.isVisible()
    with qtbot.waitSignal(page.controller.sig_ready, timeout=10000):
        pass
    assert page.status.text().startswith("Ready")
    seen: list[str] = []
    page.controller.sig_token.connect(lambda rid, variant, text: seen.append(text))
    page.chat.box.setPlainText("Write a tagline")
    with qtbot.waitSignal(page.controller.sig_reply_done, timeout=10000):
        page.chat.send_button.click()
    assert len(seen) > 3  # token by token
    bubbles = page.chat.view.bubbles
    assert [b.role for b in bubbles] == ["user", "assistant"]
    assert bubbles[-1].text() == "tuned reply 1 to: Write a tagline"
    saved = load_history(run_dir)
    assert saved == [Message("user", "Write a tagline"), Message("assistant", bubbles[-1].text())]
    sent = requests_sent(tmp_path)[0]
    assert sent["type"] == "generate" and sent["variant"] == "tuned"
    assert sent["temperature"] == 0.7 and sent["top_p"] == 0.9 and sent["max_new_tokens"] == 256
    page.shutdown()


def test_stop_sends_the_stop_request_and_keeps_the_partial_reply(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_CHAT_DELAY", "0.3")
    controller = ChatController(fake_base)
    _ready(qtbot, controller, run_dir)
    with qtbot.waitSignal(controller.sig_token, timeout=10000):
        controller.send("A long one please")
    with qtbot.waitSignal(controller.sig_reply_done, timeout=10000) as done:
        controller.stop()
    assert done.args[0].stopped
    assert [r["type"] for r in requests_sent(tmp_path)] == ["generate", "stop"]
    assert controller.messages[-1].role == "assistant"
    assert controller.state == "ready"
    controller.shutdown()


def test_regenerate_replaces_the_last_reply_with_a_new_seed(qtbot, fake_base, run_dir, tmp_path):
    controller = ChatController(fake_base)
    _ready(qtbot, controller, run_dir)
    with qtbot.waitSignal(controller.sig_reply_done, timeout=10000):
        controller.send("Hello")
    with qtbot.waitSignal(controller.sig_reply_done, timeout=10000):
        assert controller.regenerate()
    assert [m.role for m in controller.messages] == ["user", "assistant"]
    assert controller.messages[-1].content.startswith("tuned reply 2")
    first, second = requests_sent(tmp_path)
    assert second["seed"] == first["seed"] + 1
    assert second["messages"] == [{"role": "user", "content": "Hello"}]
    controller.clear()
    assert controller.messages == []
    assert json.loads((run_dir / HISTORY_FILE).read_text("utf-8"))["messages"] == []
    controller.shutdown()


def test_history_is_kept_per_run(qtbot, fake_base, run_dir, _private_data_dir):
    other = make_run(_private_data_dir, "20261127-090000-other")
    controller = ChatController(fake_base)
    _ready(qtbot, controller, run_dir)
    with qtbot.waitSignal(controller.sig_reply_done, timeout=10000):
        controller.send("For the first run")
    _ready(qtbot, controller, other)
    assert controller.messages == []
    _ready(qtbot, controller, run_dir)
    assert controller.messages[0].content == "For the first run"
    controller.shutdown()


def test_side_by_side_shows_both_variants_with_the_same_seed(qtbot, fake_base, run_dir, tmp_path):
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.compare.prompt.setText("Describe our tea")
    page.compare.compare_button.click()
    qtbot.waitUntil(lambda: not page.compare.request_ids, timeout=10000)
    assert page.compare.cards["base"].text() == "base reply 1 to: Describe our tea"
    assert page.compare.cards["tuned"].text() == "tuned reply 2 to: Describe our tea"
    sent = requests_sent(tmp_path)
    assert {r["variant"] for r in sent} == {"base", "tuned"}
    assert sent[0]["seed"] == sent[1]["seed"]
    page.shutdown()


def test_creativity_and_length_reach_the_request(qtbot, fake_base, run_dir, tmp_path):
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.settings.creativity.setValue(100)
    page.settings.length.setCurrentIndex(0)
    page.settings.system.setText("Keep it short")
    with qtbot.waitSignal(page.controller.sig_reply_done, timeout=10000):
        page.controller.send("Hi")
    sent = requests_sent(tmp_path)[0]
    assert (sent["temperature"], sent["top_p"], sent["max_new_tokens"]) == (1.2, 1.0, 96)
    assert sent["system"] == "Keep it short"
    page.shutdown()


def test_a_failed_load_is_worded_for_people(qtbot, fake_base, run_dir, monkeypatch):
    monkeypatch.setenv("FAKE_CHAT_FAIL", "model_not_found")
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.controller.sig_failed, timeout=10000):
        page.show()
    assert "Model not found" in page.error_banner.text()
    assert page.retry_button.isVisibleTo(page)
    assert not page.chat.send_button.isEnabled()
    page.shutdown()


def test_no_runs_yet_says_what_to_do(qtbot, fake_base):
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    assert page.empty.isVisibleTo(page) and page.controller.state == "idle"
    page.shutdown()


def test_hidden_page_lets_the_model_go_and_reloads_when_shown(qtbot, fake_base, run_dir):
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page._release_timer.setInterval(50)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.hide()
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=5000)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.shutdown()


def test_stop_in_side_by_side_stops_both_requests(qtbot, fake_base, run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CHAT_DELAY", "0.3")
    page = TryPage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.controller.state == "ready", timeout=10000)
    page.compare.prompt.setText("Describe our tea")
    page.compare.compare()
    qtbot.waitUntil(lambda: page.compare.stop_button.isEnabled(), timeout=5000)
    page.compare.stop_button.click()
    qtbot.waitUntil(lambda: not page.compare.request_ids, timeout=10000)
    stops = [r for r in requests_sent(tmp_path) if r["type"] == "stop"]
    assert sorted(s["id"] for s in stops) == ["r1", "r2"]
    page.shutdown()
