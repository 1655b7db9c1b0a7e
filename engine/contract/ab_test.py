"""The blind A/B on the Try it step: which answer sounds more like you? (standard library only)

For each held-out prompt the user sees two unlabelled answers, one from the base model and
one from the tuned model, in an order drawn at random per trial (seeded, so a saved test
reloads identically). They pick the one that sounds more like them, or say they cannot
tell. The score is how often they picked the tuned model, with a plain verdict and a
one-sided binomial p-value: the chance of picking the tuned answer at least that often if
the two were really indistinguishable (a coin flip per trial). "Can't tell" answers are
left out of the test, as in a sign test.

`Trial.shown()` is what the GUI displays; it never says which side is which. The side is
kept in the saved file (ab-test.json in the run folder) so the score can be computed.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from engine.contract.json_file import write_json_atomic

Side = Literal["left", "right"]
Pick = Literal["left", "right", "tie"]
AB_TEST_FILE = "ab-test.json"
SCHEMA = 1
MIN_PICKS_FOR_VERDICT = 5
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Trial:
    """One prompt with two answers; `tuned_side` says where the tuned model's answer is."""

    prompt: str
    left: str
    right: str
    tuned_side: Side
    pick: Pick | None = None

    def shown(self) -> dict[str, str]:
        """What the user sees: the prompt and two unlabelled answers."""
        return {"prompt": self.prompt, "left": self.left, "right": self.right}

    @property
    def picked_tuned(self) -> bool:
        return self.pick == self.tuned_side


@dataclass(frozen=True)
class ABScore:
    """The outcome so far, with a sentence a non-expert can read."""

    tuned: int
    base: int
    ties: int
    unanswered: int
    share_tuned: float | None
    p_value: float | None
    verdict: str


def binomial_tail(successes: int, trials: int) -> float:
    """P(X >= successes) for X ~ Binomial(trials, 1/2): the one-sided sign-test p-value."""
    if trials <= 0:
        return 1.0
    return sum(math.comb(trials, k) for k in range(successes, trials + 1)) / 2**trials


@dataclass
class ABTest:
    """A set of blind trials and the user's picks; save/load as ab-test.json."""

    trials: list[Trial]
    seed: int
    created: str = ""

    @classmethod
    def make(
        cls,
        prompts: Sequence[str],
        base_answers: Sequence[str],
        tuned_answers: Sequence[str],
        seed: int = 0,
    ) -> ABTest:
        """Trials in a shuffled order, the tuned answer on a random side in each (seeded)."""
        if not len(prompts) == len(base_answers) == len(tuned_answers):
            raise ValueError("Each prompt needs exactly one base answer and one tuned answer.")
        rng = random.Random(seed)
        order = list(range(len(prompts)))
        rng.shuffle(order)
        trials = []
        for i in order:
            side: Side = rng.choice(("left", "right"))
            base, tuned = base_answers[i], tuned_answers[i]
            left, right = (tuned, base) if side == "left" else (base, tuned)
            trials.append(Trial(prompt=prompts[i], left=left, right=right, tuned_side=side))
        return cls(trials=trials, seed=seed, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    @classmethod
    def from_samples(cls, samples: Sequence[dict], seed: int = 0) -> ABTest:
        """Trials from evaluation.json's "samples" ({"prompt", "base", "tuned"} each)."""
        usable = [s for s in samples if s.get("base") and s.get("tuned")]
        return cls.make(
            [str(s.get("prompt", "")) for s in usable],
            [str(s["base"]) for s in usable],
            [str(s["tuned"]) for s in usable],
            seed=seed,
        )

    def record(self, index: int, pick: Pick) -> None:
        """The user's choice for trial `index`: "left", "right" or "tie" (can't tell)."""
        if pick not in ("left", "right", "tie"):
            raise ValueError(f"A pick is 'left', 'right' or 'tie', not {pick!r}.")
        self.trials[index] = replace(self.trials[index], pick=pick)

    def next_unanswered(self) -> int | None:
        return next((i for i, t in enumerate(self.trials) if t.pick is None), None)

    def score(self) -> ABScore:
        tuned = sum(1 for t in self.trials if t.pick is not None and t.picked_tuned)
        ties = sum(1 for t in self.trials if t.pick == "tie")
        unanswered = sum(1 for t in self.trials if t.pick is None)
        base = len(self.trials) - tuned - ties - unanswered
        decided = tuned + base
        share = tuned / decided if decided else None
        p_value = binomial_tail(tuned, decided) if decided else None
        return ABScore(tuned, base, ties, unanswered, share, p_value, _verdict(tuned, base))

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "seed": self.seed,
            "created": self.created,
            "trials": [asdict(t) for t in self.trials],
            "score": asdict(self.score()),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ABTest:
        trials = [
            Trial(
                prompt=str(t["prompt"]),
                left=str(t["left"]),
                right=str(t["right"]),
                tuned_side=t["tuned_side"],
                pick=t.get("pick"),
            )
            for t in data["trials"]
        ]
        for t in trials:
            if t.tuned_side not in ("left", "right") or t.pick not in (
                None,
                "left",
                "right",
                "tie",
            ):
                raise ValueError("The A/B test file is damaged.")
        return cls(
            trials=trials, seed=int(data.get("seed", 0)), created=str(data.get("created", ""))
        )

    def save(self, run_dir: Path) -> Path:
        """Write <run_dir>/ab-test.json (to a temporary file first, then renamed)."""
        return write_json_atomic(Path(run_dir) / AB_TEST_FILE, self.to_dict())

    @classmethod
    def load(cls, run_dir: Path) -> ABTest | None:
        """The saved test, or None when the run has none (or the file cannot be read)."""
        try:
            data = json.loads((Path(run_dir) / AB_TEST_FILE).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _verdict(tuned: int, base: int) -> str:
    n = tuned + base
    if n == 0:
        return "No picks yet."
    counts = f"You picked the tuned model's answer {tuned} of {n} times"
    if n < MIN_PICKS_FOR_VERDICT:
        return f"{counts}. Make at least {MIN_PICKS_FOR_VERDICT} picks for a verdict."
    if tuned * 2 > n:
        p = binomial_tail(tuned, n)
        if p < SIGNIFICANCE:
            return f"{counts}: it clearly sounds more like you."
        return (
            f"{counts}: a lean toward it, but not yet clear; guessing alone would do this "
            f"{p:.0%} of the time. A few more picks will tell."
        )
    if tuned * 2 == n:
        return f"{counts}: no difference you could hear between the two."
    if binomial_tail(base, n) < SIGNIFICANCE:
        return (
            f"{counts}: the base model sounds more like you. Try training on more, or more "
            "typical, examples of your writing."
        )
    return f"{counts}: no clear difference yet."
