"""The blind A/B on the Try it step: which answer sounds more like you?

For prompts from the user's held-out writing, two unlabelled answers (base and tuned, order
drawn by engine.contract.ab_test) are shown; the user picks one or says they can't tell. Each
pick is saved at once into the run folder (ab-test.json), so the score survives closing the
app and the model card can include it. When the run's evaluation already holds both models'
answers they are used as they are; otherwise both models write them now through the chat
child, same seed for both.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.contract.ab_test import ABTest, Pick
from engine.contract.chat_protocol import Message
from engine.contract.events import ChatDone
from gui.steps.try_it.controller import ChatController
from gui.steps.try_it.prompts import STARTERS, HeldoutSample, heldout_samples
from gui.widgets.chat_view import AnswerCard
from gui.widgets.page import card, muted, section_title

MAX_TRIALS = 6
INTRO_HELDOUT = (
    "Read two answers to a request taken from your own writing (kept aside during training). "
    "One comes from your trained model, one from the original; you are not told which. Pick "
    "the one that sounds more like you."
)
INTRO_STARTERS = (
    "Read two answers to a request for your kind of writing. One comes from your trained "
    "model, one from the original; you are not told which. Pick the one that sounds more "
    "like you. (This run has no held-out samples, so ready-made requests are used.)"
)


class BlindPanel(QWidget):
    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.run_dir: Path | None = None
        self.test: ABTest | None = None
        self.index: int | None = None
        self._prompts: list[str] = []
        self._answers: dict[str, dict[str, str]] = {"base": {}, "tuned": {}}
        self._requests: dict[str, tuple[str, str]] = {}  # request id -> (variant, prompt)
        self._seed = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(10)
        self.intro = muted(INTRO_HELDOUT)
        layout.addWidget(self.intro)
        top = QHBoxLayout()
        self.progress = section_title("")
        top.addWidget(self.progress, 1)
        self.start_button = QPushButton("Start a blind test")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        top.addWidget(self.start_button)
        layout.addLayout(top)
        self.result_frame, result = card("heroCard")
        self.result_number = QLabel("")
        self.result_number.setObjectName("bigNumber")
        result.addWidget(self.result_number)
        self.result_text = QLabel("")
        self.result_text.setWordWrap(True)
        result.addWidget(self.result_text)
        result.addWidget(
            muted("Saved with the run (ab-test.json); the model card includes this score.")
        )
        layout.addWidget(self.result_frame)
        self.prompt = QLabel("")
        self.prompt.setWordWrap(True)
        layout.addWidget(self.prompt)
        cards = QHBoxLayout()
        cards.setSpacing(12)
        self.left = AnswerCard("Answer A")
        self.right = AnswerCard("Answer B")
        cards.addWidget(self.left, 1)
        cards.addWidget(self.right, 1)
        layout.addLayout(cards, 1)
        picks = QHBoxLayout()
        self.pick_left = QPushButton("A sounds more like me")
        self.pick_tie = QPushButton("Can\u2019t tell")
        self.pick_right = QPushButton("B sounds more like me")
        picks.addWidget(self.pick_left, 2)
        picks.addWidget(self.pick_tie, 1)
        picks.addWidget(self.pick_right, 2)
        layout.addLayout(picks)
        self.pick_left.clicked.connect(lambda: self.pick("left"))
        self.pick_right.clicked.connect(lambda: self.pick("right"))
        self.pick_tie.clicked.connect(lambda: self.pick("tie"))
        self.score = muted("")
        self.score.setVisible(False)
        layout.addWidget(self.score)
        layout.addStretch(1)
        controller.sig_reply_done.connect(self._on_controller_reply_done)
        controller.sig_state_changed.connect(lambda _s: self._refresh())
        self._refresh()

    # -- the run's test -------------------------------------------------------------------
    def set_run(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        self._requests.clear()
        self.test = ABTest.load(run_dir) if run_dir is not None else None
        self.intro.setText(INTRO_HELDOUT if heldout_samples(run_dir) else INTRO_STARTERS)
        self.index = self.test.next_unanswered() if self.test else None
        self._refresh()

    def start(self) -> None:
        """A new test: ready-made answers from the evaluation, or both models write them."""
        if self.run_dir is None or self._requests:
            return
        self._seed = random.randrange(1_000_000)
        samples = heldout_samples(self.run_dir)[:MAX_TRIALS]
        if samples and all(s.base and s.tuned for s in samples):
            self._begin(samples)
            return
        self._prompts = [s.prompt for s in samples] or [t[0] for t in STARTERS.values()]
        self._answers = {"base": {}, "tuned": {}}
        for prompt in self._prompts:
            for variant in ("base", "tuned"):
                rid = self.controller.ask([Message("user", prompt)], variant, self._seed)  # type: ignore[arg-type]
                if rid:
                    self._requests[rid] = (variant, prompt)
        self._refresh()

    def _begin(self, samples: list[HeldoutSample]) -> None:
        self.test = ABTest.make(
            [s.prompt for s in samples],
            [s.base for s in samples],
            [s.tuned for s in samples],
            seed=self._seed,
        )
        self._save()
        self.index = self.test.next_unanswered()
        self._refresh()

    def _on_controller_reply_done(self, event: ChatDone) -> None:
        request = self._requests.pop(event.request_id, None)
        if request is None:
            return
        variant, prompt = request
        self._answers[variant][prompt] = event.text.strip()
        if not self._requests:
            done = [
                HeldoutSample(
                    p, self._answers["base"].get(p, ""), self._answers["tuned"].get(p, "")
                )
                for p in self._prompts
            ]
            self._begin([s for s in done if s.base or s.tuned])
        else:
            self._refresh()

    def pick(self, choice: Pick) -> None:
        if self.test is None or self.index is None:
            return
        self.test.record(self.index, choice)
        self._save()
        self.index = self.test.next_unanswered()
        self._refresh()

    def _save(self) -> None:
        if self.test is not None and self.run_dir is not None:
            try:
                self.test.save(self.run_dir)
            except OSError as exc:
                self.score.setText(f"Your picks could not be saved in the run folder: {exc}")
                self.score.setVisible(True)

    # -- display --------------------------------------------------------------------------
    def _refresh(self) -> None:
        test, index = self.test, self.index
        writing = bool(self._requests)
        asking = test is not None and index is not None and not writing
        for widget in (self.pick_left, self.pick_right, self.pick_tie):
            widget.setEnabled(asking)
        can_write = self.controller.state == "ready" or self._has_ready_answers()
        self.start_button.setEnabled(self.run_dir is not None and not writing and can_write)
        self.start_button.setText("Start a new blind test" if test else "Start a blind test")
        if writing:
            left = len(self._requests)
            self.progress.setText(f"Both models are writing their answers\u2026 ({left} to go)")
            self.prompt.setText("")
            self.left.set_text("")
            self.right.set_text("")
        elif asking:
            assert test is not None and index is not None
            trial = test.trials[index].shown()
            self.progress.setText(f"Request {index + 1} of {len(test.trials)}")
            self.prompt.setText(f"<b>Request:</b> {_escape(trial['prompt'])}")
            self.left.set_text(trial["left"] or "(no answer)")
            self.right.set_text(trial["right"] or "(no answer)")
        else:
            self.progress.setText("All done" if test else "")
            self.prompt.setText("")
            self.left.set_text("")
            self.right.set_text("")
        self.left.setVisible(asking or writing)
        self.right.setVisible(asking or writing)
        for widget in (self.pick_left, self.pick_right, self.pick_tie):
            widget.setVisible(asking)
        finished = test is not None and index is None and not writing
        self.result_frame.setVisible(finished)
        self.score.setVisible(asking)
        if test is not None:
            score = test.score()
            picked = len(test.trials) - score.unanswered
            # The running score stays hidden until the end: it would tell which answer was
            # which and sway the next picks.
            self.score.setText(
                f"Picks saved: {picked} of {len(test.trials)}. Your score appears at the end."
            )
            decided = score.tuned + score.base
            self.result_number.setText(
                f"You picked your trained model {score.tuned} of {decided} times"
                if decided
                else "No picks between the two"
            )
            ties = f" You could not tell {score.ties} times." if score.ties else ""
            self.result_text.setText(_without_counts(score.verdict) + ties)

    def _has_ready_answers(self) -> bool:
        samples = heldout_samples(self.run_dir)
        return bool(samples) and all(s.base and s.tuned for s in samples)


def _without_counts(verdict: str) -> str:
    """The verdict minus its opening "You picked ... N of M times" (the headline says it)."""
    if not verdict.startswith("You picked"):
        return verdict
    for mark in (": ", ". "):
        if mark in verdict:
            rest = verdict.split(mark, 1)[1]
            return rest[:1].upper() + rest[1:]
    return verdict


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
