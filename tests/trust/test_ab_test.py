"""Blind A/B bookkeeping: hidden, seeded order; right counts; p-value; persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract.ab_test import AB_TEST_FILE, ABTest, binomial_tail

PROMPTS = [f"Prompt {i}" for i in range(10)]
BASE = [f"base answer {i}" for i in range(10)]
TUNED = [f"tuned answer {i}" for i in range(10)]


def make(seed: int = 7) -> ABTest:
    return ABTest.make(PROMPTS, BASE, TUNED, seed=seed)


def pick_tuned(test: ABTest, index: int) -> None:
    test.record(index, test.trials[index].tuned_side)


def pick_base(test: ABTest, index: int) -> None:
    test.record(index, "right" if test.trials[index].tuned_side == "left" else "left")


def test_each_trial_pairs_the_right_answers() -> None:
    test = make()
    assert sorted(t.prompt for t in test.trials) == sorted(PROMPTS)
    for trial in test.trials:
        i = PROMPTS.index(trial.prompt)
        tuned = trial.left if trial.tuned_side == "left" else trial.right
        base = trial.right if trial.tuned_side == "left" else trial.left
        assert (tuned, base) == (TUNED[i], BASE[i])


def test_order_is_random_per_trial_but_seeded() -> None:
    sides = [t.tuned_side for t in make(7).trials]
    assert {"left", "right"} == set(sides)
    assert sides == [t.tuned_side for t in make(7).trials]
    assert any([t.tuned_side for t in make(seed).trials] != sides for seed in range(8, 14))


def test_what_is_shown_never_says_which_is_tuned() -> None:
    for trial in make().trials:
        shown = trial.shown()
        assert set(shown) == {"prompt", "left", "right"}
        assert "tuned" not in str(shown.keys())


def test_counts_and_score() -> None:
    test = make()
    assert test.score().verdict == "No picks yet."
    for i in range(7):
        pick_tuned(test, i)
    pick_base(test, 7)
    test.record(8, "tie")
    score = test.score()
    assert (score.tuned, score.base, score.ties, score.unanswered) == (7, 1, 1, 1)
    assert score.share_tuned == pytest.approx(7 / 8)
    assert score.p_value == pytest.approx(9 / 256)  # P(X >= 7), X ~ Bin(8, 1/2)
    assert "7 of 8" in score.verdict and "clearly" in score.verdict
    assert test.next_unanswered() == 9


def test_verdicts_in_plain_words() -> None:
    few = make()
    pick_tuned(few, 0)
    assert "at least 5" in few.score().verdict
    lean = make()
    for i in range(4):
        pick_tuned(lean, i)
    pick_base(lean, 4)
    assert "not yet clear" in lean.score().verdict
    worse = make()
    for i in range(8):
        pick_base(worse, i)
    assert "base model sounds more like you" in worse.score().verdict
    even = make()
    for i in range(6):
        (pick_tuned if i % 2 else pick_base)(even, i)
    assert "no difference" in even.score().verdict


def test_binomial_tail() -> None:
    assert binomial_tail(0, 10) == 1.0
    assert binomial_tail(10, 10) == pytest.approx(1 / 1024)
    assert binomial_tail(5, 10) == pytest.approx(sum([252, 210, 120, 45, 10, 1]) / 1024)


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ABTest.make(PROMPTS, BASE[:3], TUNED)
    with pytest.raises(ValueError):
        make().record(0, "middle")  # type: ignore[arg-type]


def test_saves_and_loads(tmp_path: Path) -> None:
    test = make()
    pick_tuned(test, 0)
    pick_base(test, 1)
    path = test.save(tmp_path)
    assert path == tmp_path / AB_TEST_FILE
    loaded = ABTest.load(tmp_path)
    assert loaded is not None
    assert loaded.trials == test.trials and loaded.seed == test.seed
    assert loaded.score() == test.score()
    assert ABTest.load(tmp_path / "nowhere") is None
    (tmp_path / AB_TEST_FILE).write_text("{not json", encoding="utf-8")
    assert ABTest.load(tmp_path) is None


def test_trials_from_evaluation_samples() -> None:
    samples = [
        {"prompt": "p1", "base": "b1", "tuned": "t1"},
        {"prompt": "p2", "base": "", "tuned": "t2"},  # an empty answer cannot be judged
        {"prompt": "p3", "base": "b3", "tuned": "t3"},
    ]
    test = ABTest.from_samples(samples, seed=3)
    assert sorted(t.prompt for t in test.trials) == ["p1", "p3"]
    for trial in test.trials:
        tuned = trial.left if trial.tuned_side == "left" else trial.right
        assert tuned == "t" + trial.prompt[1]
