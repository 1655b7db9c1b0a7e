"""Scripted Try it screens for `python -m gui.tour`: no engine, no model.

A demo run folder is written into the tour's throwaway data folder (adapter marker, run.json,
an evaluation with held-out samples), and the page's controller is put into each state
directly, with events shaped like the real chat engine's. Every reply shown is one the real
demo model wrote in a real run, recorded in assets/tour/demo_replies.json
(bench/record_demo_replies.py), not text written for the tour.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.ab_test import Side
from engine.contract.chat_protocol import Message
from engine.contract.events import ChatDone, ChatReady
from engine.contract.paths import assets_dir, runs_dir

if TYPE_CHECKING:
    from gui.steps.try_it.page import TryPage

TOUR_RUN = "20261127-093000-demo"
# What a real demo run wrote (bench/record_demo_replies.py): the tour replays it.
RECORDED_FILE = ("tour", "demo_replies.json")


def recorded_demo() -> dict[str, Any]:
    """The recorded demo run: held-out samples (base and tuned answers) and chat replies."""
    path = assets_dir().joinpath(*RECORDED_FILE)
    return json.loads(path.read_text(encoding="utf-8"))


def recorded_samples() -> list[tuple[str, str, str]]:
    return [(s["prompt"], s["base"], s["tuned"]) for s in recorded_demo()["samples"]]


def tour_run(root: Path | None = None) -> Path:
    """A finished demo run folder with held-out samples, inside the current data folder.

    The whole tour writes this run with its history first (gui/tour.py); on its own (the
    page tests) a minimal run.json is enough.
    """
    run = (root or runs_dir()) / TOUR_RUN
    (run / "adapter").mkdir(parents=True, exist_ok=True)
    (run / "adapter" / "adapter_config.json").write_text("{}", encoding="utf-8")
    if not (run / "run.json").exists():
        (run / "run.json").write_text(json.dumps({"config": {"model": {"name": "demo"}}}), "utf-8")
    evaluation_file = run / "evaluation.json"
    evaluation = json.loads(evaluation_file.read_text("utf-8")) if evaluation_file.exists() else {}
    evaluation["samples"] = recorded_demo()["samples"]
    evaluation_file.write_text(json.dumps(evaluation), encoding="utf-8")
    return run


def tour_states(page: TryPage) -> list[tuple[str, Callable[[], None]]]:
    page.autostart = False
    page.set_run(tour_run())
    controller = page.controller
    ready = ChatReady(model="demo", adapter="adapter", load_seconds=3.4)

    def loading() -> None:
        page.tabs.setCurrentWidget(page.chat)
        controller._set_state("loading")

    first, second = recorded_demo()["chat"][:2]
    words = str(second["reply"]).split(" ")
    streamed, rest = " ".join(words[: len(words) // 2]) + " ", " ".join(words[len(words) // 2 :])

    def chat() -> None:
        controller.messages = [
            Message("user", str(first["prompt"])),
            Message("assistant", str(first["reply"])),
            Message("user", str(second["prompt"])),
        ]
        controller.chat_request_id = controller.last_chat_request_id = "tour"
        controller.pending = {"tour"}
        controller._set_state("ready")
        page._on_controller_ready(ready)
        controller._set_state("generating")
        page.chat.show_history()
        for piece in streamed.split(" "):
            page.chat._on_controller_token("tour", "tuned", piece + " ")

    def chat_done() -> None:
        page.chat._on_controller_token("tour", "tuned", rest)
        controller._on_done(
            ChatDone(
                request_id="tour",
                text=page.chat.view.bubbles[-1].text(),
                new_tokens=int(second["new_tokens"]),
                seconds=float(second["seconds"]),
                first_token_seconds=float(second["first_token_seconds"]),
            )
        )
        page.chat.update_buttons()

    def advanced() -> None:
        page.settings.advanced_toggle.setChecked(True)
        page.settings.system.setText("Keep it under 60 words")

    def side_by_side() -> None:
        page.settings.advanced_toggle.setChecked(False)
        page.tabs.setCurrentWidget(page.compare)
        prompt, base, tuned = recorded_samples()[0]
        page.compare.prompt.setText(prompt)
        for card, text in (
            (page.compare.cards["base"], base),
            (page.compare.cards["tuned"], tuned),
        ):
            card.set_text(text)
            card.footer.setText("Recorded from a real demo run")

    def blind() -> None:
        page.tabs.setCurrentWidget(page.blind)
        page.blind.start()
        test = page.blind.test
        if test is not None and page.blind.index is not None:
            page.blind.pick(test.trials[page.blind.index].tuned_side)

    def blind_score() -> None:
        test = page.blind.test
        picks = 0
        while test is not None and page.blind.index is not None:
            trial = test.trials[page.blind.index]
            base_side: Side = "right" if trial.tuned_side == "left" else "left"
            page.blind.pick(base_side if picks == 2 else trial.tuned_side)
            picks += 1

    return [
        ("try-loading", loading),
        ("try-chat", chat),
        ("try-chat-done", chat_done),
        ("try-advanced", advanced),
        ("try-side-by-side", side_by_side),
        ("try-blind", blind),
        ("try-blind-score", blind_score),
    ]
