"""How close a set of texts is to someone's writing style: a documented score from 0 to 1.

The score answers "does it sound like me?" without a second model, so it runs anywhere, in
milliseconds, and means the same thing on every computer. It compares two *profiles*, one
built from the candidate texts (for example what the tuned model wrote) and one from the
reference texts (the user's held-out writing):

    style_similarity = 0.5 * C + 0.3 * F + 0.2 * S

C  character n-grams: cosine similarity of the two relative-frequency vectors of character
   3-, 4- and 5-grams (text lower-cased, runs of whitespace folded to one space). This
   captures spelling, favourite words and word pieces, punctuation habits and emoji.
F  function words: cosine similarity of the relative frequencies (per word) of about 150
   English function words ("the", "of", "we", "you", "just", "however", ...). Function-word
   rates are a classic authorship signal because they are used unconsciously and barely
   depend on topic.
S  stylometrics: the mean, over eight simple measures, of min(a, b) / max(a, b) (1 when both
   are 0): mean sentence length in words, mean word length, commas, exclamation marks,
   question marks and other punctuation per 100 characters, the share of capital letters,
   and the share of words that are "you"/"your" (direct address, common in marketing copy).

All three parts lie in [0, 1], so the score does too. It is symmetric (swapping candidates
and reference gives the same value), it is 1.0 for identical texts, and it is 0.0 when
either side holds no letters or digits (nothing to compare). The weights favour the
n-grams because they carry the most information on short texts; the other two parts keep
the score honest when topics differ but the voice is the same.

It measures surface style, not quality or truth: a text can score high and still be wrong.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WEIGHTS = {"char_ngrams": 0.5, "function_words": 0.3, "stylometrics": 0.2}
NGRAM_SIZES = (3, 4, 5)

FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "although",
        "am",
        "among",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "enough",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "let",
        "like",
        "many",
        "may",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "neither",
        "never",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "often",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "perhaps",
        "quite",
        "rather",
        "really",
        "same",
        "shall",
        "she",
        "should",
        "since",
        "so",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n{2,}")
_SPACE = re.compile(r"\s+")
_OTHER_PUNCT = frozenset(";:—–-()\"'“”‘’…/*•")


@dataclass(frozen=True)
class StyleProfile:
    """What the score compares: n-gram and function-word frequencies and a few rates."""

    char_ngrams: dict[str, float]
    function_words: dict[str, float]
    stylometrics: dict[str, float]
    characters: int

    @property
    def empty(self) -> bool:
        return not self.char_ngrams


def style_profile(texts: str | Iterable[str]) -> StyleProfile:
    """The profile of one text or of several texts taken together."""
    items = [texts] if isinstance(texts, str) else list(texts)
    grams: Counter[str] = Counter()
    words: list[str] = []
    sentences = 0
    chars = commas = exclaims = questions = other = capitals = letters = 0
    for text in items:
        if not any(c.isalnum() for c in text):
            continue
        folded = " " + _SPACE.sub(" ", text.lower()).strip() + " "
        for n in NGRAM_SIZES:
            grams.update(folded[i : i + n] for i in range(len(folded) - n + 1))
        text_words = _WORD.findall(text)
        words += text_words
        sentences += max(1, len(_SENTENCE_END.findall(text.strip())))
        chars += len(text)
        commas += text.count(",")
        exclaims += text.count("!")
        questions += text.count("?")
        other += sum(1 for c in text if c in _OTHER_PUNCT)
        capitals += sum(1 for c in text if c.isupper())
        letters += sum(1 for c in text if c.isalpha())
    if not grams:
        return StyleProfile({}, {}, {}, 0)
    total_grams = sum(grams.values())
    lowered = [w.lower() for w in words]
    fw = Counter(w for w in lowered if w in FUNCTION_WORDS)
    n_words = max(1, len(words))
    per100 = 100.0 / max(1, chars)
    rates = {
        "sentence_words": len(words) / max(1, sentences),
        "word_length": sum(len(w) for w in words) / n_words,
        "commas": commas * per100,
        "exclamations": exclaims * per100,
        "questions": questions * per100,
        "other_punctuation": other * per100,
        "capitals": capitals / max(1, letters),
        "you": sum(1 for w in lowered if w in ("you", "your", "yours")) / n_words,
    }
    return StyleProfile(
        char_ngrams={g: c / total_grams for g, c in grams.items()},
        function_words={w: c / n_words for w, c in fw.items()},
        stylometrics=rates,
        characters=chars,
    )


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return max(0.0, min(1.0, dot / norm)) if norm else 0.0


def _ratio_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    scores = []
    for key in a:
        x, y = a[key], b.get(key, 0.0)
        high = max(x, y)
        scores.append(1.0 if high == 0 else min(x, y) / high)
    return sum(scores) / len(scores) if scores else 0.0


def compare_profiles(a: StyleProfile, b: StyleProfile) -> dict[str, float]:
    """The three parts and the weighted score (see the module docstring)."""
    if a.empty or b.empty:
        parts = dict.fromkeys(WEIGHTS, 0.0)
    else:
        parts = {
            "char_ngrams": _cosine(a.char_ngrams, b.char_ngrams),
            "function_words": _cosine(a.function_words, b.function_words),
            "stylometrics": _ratio_similarity(a.stylometrics, b.stylometrics),
        }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return {**{k: round(v, 4) for k, v in parts.items()}, "score": round(score, 4)}


def style_similarity(candidates: str | Sequence[str], reference: str | Sequence[str]) -> float:
    """How close `candidates` sound to `reference`, from 0 (nothing alike) to 1 (identical)."""
    return compare_profiles(style_profile(candidates), style_profile(reference))["score"]


def style_breakdown(candidates: str | Sequence[str], reference: str | Sequence[str]) -> dict:
    """The score with its three parts, for the run page and evaluation.json."""
    return compare_profiles(style_profile(candidates), style_profile(reference))
