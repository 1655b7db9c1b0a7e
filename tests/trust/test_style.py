"""The style score: closer to the author's own writing than to someone else's, and well-behaved."""

from __future__ import annotations

import pytest

from engine.eval.style import WEIGHTS, style_breakdown, style_profile, style_similarity

# Author A: breezy direct-to-consumer copy. Author B: formal, long-sentenced policy prose.
AUTHOR_A = [
    "Big news! Our spring drop is here, and you're going to love it. Three colours, one "
    "lighter frame, zero compromises. Grab yours before Friday!",
    "You asked, we listened. The new bottle keeps your coffee hot for 12 hours. Yes, really. "
    "Pop it in your bag and go!",
    "Ready for a reset? Our 5-minute morning routine is all you need. No gym, no fuss, just "
    "you and a mat. Try it tomorrow!",
    "Say hello to the comfiest hoodie we've ever made. Soft inside, tough outside, and it "
    "comes in your favourite green. Don't wait!",
]
AUTHOR_B = [
    "The committee, having considered the submissions received during the consultation "
    "period, is of the view that the proposed amendments should be adopted, subject to the "
    "conditions set out in the annex to this report.",
    "It should be noted that the obligations described herein shall apply only to those "
    "entities which, at the date of publication, fall within the scope of the regulation as "
    "it was then in force.",
    "In accordance with the procedure laid down in the previous section, the relevant "
    "authority shall, within a period of thirty days, inform the applicant of its decision "
    "and of the reasons upon which that decision is based.",
    "Notwithstanding the foregoing, the board may, where it considers that exceptional "
    "circumstances so require, extend the period referred to in the first paragraph by a "
    "further fifteen days.",
]


def test_a_text_scores_one_with_itself() -> None:
    assert style_similarity(AUTHOR_A[0], AUTHOR_A[0]) == pytest.approx(1.0)
    assert style_similarity(AUTHOR_B, AUTHOR_B) == pytest.approx(1.0)


@pytest.mark.parametrize("held_out", range(4))
def test_own_author_scores_higher_than_the_other(held_out: int) -> None:
    own_rest = [t for i, t in enumerate(AUTHOR_A) if i != held_out]
    other_rest = [t for i, t in enumerate(AUTHOR_B) if i != held_out]
    text_a, text_b = AUTHOR_A[held_out], AUTHOR_B[held_out]
    assert style_similarity(text_a, own_rest) > style_similarity(text_a, AUTHOR_B) + 0.03
    assert style_similarity(text_b, other_rest) > style_similarity(text_b, AUTHOR_A) + 0.03


def test_self_beats_unrelated_text() -> None:
    assert style_similarity(AUTHOR_A[1], AUTHOR_A[1]) > style_similarity(AUTHOR_A[1], AUTHOR_B[1])


def test_symmetric_and_bounded() -> None:
    pairs = [(AUTHOR_A, AUTHOR_B), (AUTHOR_A[0], AUTHOR_A[2]), ("Hi!", AUTHOR_B[3])]
    for a, b in pairs:
        forward, backward = style_breakdown(a, b), style_breakdown(b, a)
        assert forward == backward
        for value in forward.values():
            assert 0.0 <= value <= 1.0


def test_score_is_the_documented_weighted_sum() -> None:
    parts = style_breakdown(AUTHOR_A[0], AUTHOR_B)
    expected = sum(WEIGHTS[k] * parts[k] for k in WEIGHTS)
    assert parts["score"] == pytest.approx(expected, abs=2e-4)
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_order_of_texts_does_not_matter() -> None:
    assert style_similarity(AUTHOR_A, AUTHOR_B) == style_similarity(AUTHOR_A[::-1], AUTHOR_B[::-1])


@pytest.mark.parametrize("empty", ["", "   \n", [], ["", " "], "!!! ..."])
def test_empty_input_scores_zero(empty: str | list[str]) -> None:
    assert style_profile(empty).empty
    assert style_similarity(empty, AUTHOR_A) == 0.0
    assert style_similarity(AUTHOR_A, empty) == 0.0
    assert style_similarity(empty, empty) == 0.0


def test_more_like_the_author_scores_higher() -> None:
    # Dropping the exclamation marks and "you" makes A's copy less like A.
    flattened = [
        t.replace("!", ".").replace("you", "one").replace("your", "one's") for t in AUTHOR_A
    ]
    reference = AUTHOR_A[:2]
    assert style_similarity(AUTHOR_A[2:], reference) > style_similarity(flattened[2:], reference)
