"""Text cleaning, token estimates, paragraph-aware chunking and derived prompts.

Long prose is cut where a writer would cut it: between paragraphs first, then between
sentences, then between words, and only as a last resort inside a word. Each chunk fits the
token budget so the trainer never has to truncate the user's writing silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

CountTokens = Callable[[str], int]

_BLANK_RUN = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_TERMINAL = tuple(".!?:;,…")


def estimate_tokens(text: str) -> int:
    """About four characters a token for English prose; used when no tokenizer is given."""
    return (len(text) + 3) // 4


def normalise(text: str) -> str:
    """One newline style, no control characters, no trailing spaces, at most one blank line."""
    if text.isprintable():  # the common case of a one-line row: no newlines, no controls
        return text.strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by a blank line."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def chunk_paragraphs(paragraphs: Iterable[str], budget: int, count: CountTokens) -> list[str]:
    """Pack whole paragraphs into chunks of at most `budget` tokens (joined by a blank line).

    A paragraph too long on its own is split into sentences, a sentence into words.
    """
    chunks: list[str] = []
    current: list[str] = []
    current_tokens = 0
    separator = count("\n\n") if budget else 0
    for paragraph in paragraphs:
        tokens = count(paragraph)
        if tokens > budget:
            if current:
                chunks.append("\n\n".join(current))
                current, current_tokens = [], 0
            chunks.extend(_split_long(paragraph, budget, count))
            continue
        extra = tokens + (separator if current else 0)
        if current and current_tokens + extra > budget:
            chunks.append("\n\n".join(current))
            current, current_tokens, extra = [], 0, tokens
        current.append(paragraph)
        current_tokens += extra
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _split_long(paragraph: str, budget: int, count: CountTokens) -> list[str]:
    """Split one over-long paragraph at sentence ends, then spaces, then characters."""
    pieces = _SENTENCE_END.split(paragraph)
    if len(pieces) == 1:
        pieces = paragraph.split(" ")
        if len(pieces) == 1:
            return _hard_split(paragraph, budget, count)
    out: list[str] = []
    current = ""
    for piece in pieces:
        if count(piece) > budget:
            if current:
                out.append(current)
                current = ""
            out.extend(_split_long(piece, budget, count))
            continue
        candidate = f"{current} {piece}" if current else piece
        if current and count(candidate) > budget:
            out.append(current)
            candidate = piece
        current = candidate
    if current:
        out.append(current)
    return out


def _hard_split(word: str, budget: int, count: CountTokens) -> list[str]:
    """A run with no spaces longer than the budget (a pasted link, a data blob)."""
    step = max(1, len(word) * budget // max(1, count(word)))
    out = []
    start = 0
    while start < len(word):
        piece = word[start : start + step]
        while len(piece) > 1 and count(piece) > budget:
            piece = piece[: len(piece) * 3 // 4]
        out.append(piece)
        start += len(piece)
    return out


def looks_like_title(line: str) -> bool:
    """A short first line with no closing punctuation reads as a title ("Spring menu notes")."""
    line = line.strip()
    return 0 < len(line) <= 80 and "\n" not in line and not line.endswith(_TERMINAL)


def clean_title(title: str) -> str:
    """A heading without Markdown marks, quotes or surrounding spaces."""
    title = title.strip().lstrip("#").strip().strip("*_").strip()
    return title.replace("'", "’")[:100]


def derived_prompt(text: str, title: str = "", part: int = 0) -> str:
    """A plain request that this piece of writing answers, so chat requests reach the voice.

    With a title (a heading, a document title, a short first line): "Write a piece titled
    '...'." (or "Write the next part of '...'." for later chunks of the same section).
    Without one: "Write a piece that begins: '...'" from the first words.
    """
    title = clean_title(title)
    if not title and "\n" in text:
        first_line = text.split("\n", 1)[0]
        if looks_like_title(first_line):
            title = clean_title(first_line)
    if title:
        if part:
            return f"Write the next part of the piece titled '{title}'."
        return f"Write a piece titled '{title}'."
    words = text.split(maxsplit=8)
    opening = " ".join(words[:8]).rstrip(",;:")
    if len(words) > 8:
        opening += "…"
    return f"Write a piece that begins: '{opening}'"
