"""Scripted Try it screens for `python -m gui.tour`: no engine, no model.

A demo run folder is written into the tour's throwaway data folder (adapter marker, run.json,
an evaluation with held-out samples), and the page's controller is put into each state
directly, with events shaped like the real chat engine's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.contract.ab_test import Side
from engine.contract.chat_protocol import Message
from engine.contract.events import ChatDone, ChatReady
from engine.contract.paths import runs_dir

if TYPE_CHECKING:
    from gui.steps.try_it.page import TryPage

TOUR_RUN = "20261127-093000-demo"
SAMPLES = [
    (
        "Write a product blurb for Sea Glass, our jasmine green tea.",
        "Sea Glass is a green tea. It has a pleasant floral aroma and a light taste. Brew it "
        "at 80 degrees for two minutes for the best results.",
        "Sea Glass is green tea that sat with jasmine, night after night, until it smelled "
        "like a garden after rain. Pale. Floral. Clear as a rock pool. Steep slow. \u2014 the "
        "Foghorn crew",
    ),
    (
        "Write a product blurb for Ropewalk Rooibos.",
        "Ropewalk Rooibos is a caffeine-free herbal tea with orange peel and vanilla. It is "
        "suitable for any time of day.",
        "No caffeine, no nonsense. Ropewalk Rooibos is red bush with orange peel and a twist "
        "of vanilla. Sweet. Sunny. Endlessly forgiving. Steep slow. \u2014 the Foghorn crew",
    ),
    (
        "Write a product blurb for Gull's Breakfast.",
        "Gull's Breakfast is a strong breakfast blend of Kenyan and Yunnan teas.",
        "Loud, cheerful and first at the window: that's Gull's Breakfast. Brew it strong. "
        "Steep slow. \u2014 the Foghorn crew",
    ),
    (
        "Write a product blurb for Salt Meadow, our chamomile blend.",
        "Salt Meadow is a relaxing chamomile tea with lemon balm.",
        "Fog's in, lamps are low, and the day is finally done. Salt Meadow is whole chamomile "
        "with lemon balm. Calm. Golden. Steep slow. \u2014 the Foghorn crew",
    ),
    (
        "Write a product blurb for Harbour Fog, our smoked oolong.",
        "Harbour Fog is a smoked oolong tea with a toasty flavour.",
        "Kettle on? Good. Harbour Fog is our smoked oolong, roasted low and slow over "
        "applewood. Toasty. Soft. Steep slow. \u2014 the Foghorn crew",
    ),
    (
        "Write a product blurb for Low Tide, our Japanese sencha.",
        "Low Tide is a Japanese sencha with a fresh, grassy taste.",
        "Low Tide is what the harbour looks like at six in the morning: bright, green, and "
        "very quiet. Grassy. Sweet. Steep slow. \u2014 the Foghorn crew",
    ),
]


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
    evaluation["samples"] = [{"prompt": p, "base": b, "tuned": t} for p, b, t in SAMPLES]
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

    def chat() -> None:
        controller.messages = [
            Message("user", "Write a product blurb for Night Watch, our malty black tea."),
            Message(
                "assistant",
                "Some teas whisper. Night Watch does not. It's a malty Assam built for long "
                "shifts, early trains and just one more chapter at midnight. Bold. Bready. "
                "Honest. Steep slow. \u2014 the Foghorn crew",
            ),
            Message("user", "Now one for our new chai, Driftwood."),
        ]
        controller.chat_request_id = controller.last_chat_request_id = "tour"
        controller.pending = {"tour"}
        controller._set_state("ready")
        page._on_controller_ready(ready)
        controller._set_state("generating")
        page.chat.show_history()
        streamed = "Driftwood Chai takes the long way home. Cardamom, cinnamon bark, "
        for piece in streamed.split():
            page.chat._on_controller_token("tour", "tuned", piece + " ")

    def chat_done() -> None:
        page.chat._on_controller_token("tour", "tuned", "black pepper. Warm. Spiced. Steep slow.")
        controller._on_done(
            ChatDone(
                request_id="tour",
                text=page.chat.view.bubbles[-1].text(),
                new_tokens=31,
                seconds=0.4,
                first_token_seconds=0.05,
            )
        )
        page.chat.update_buttons()

    def advanced() -> None:
        page.settings.advanced_toggle.setChecked(True)
        page.settings.system.setText("Keep it under 60 words")

    def side_by_side() -> None:
        page.settings.advanced_toggle.setChecked(False)
        page.tabs.setCurrentWidget(page.compare)
        prompt, base, tuned = SAMPLES[0]
        page.compare.prompt.setText(prompt)
        for variant, text, tokens in (("base", base, 34), ("tuned", tuned, 41)):
            page.compare.cards[variant].set_text(text)
            page.compare.cards[variant].footer.setText(f"{tokens} tokens, 96 per second")

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
