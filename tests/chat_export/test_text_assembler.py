"""Streaming text: half characters are held back, bytes that never form a character vanish."""

from __future__ import annotations

from pathlib import Path

from engine.chat.decoding import TextAssembler


def test_pieces_hold_back_half_characters_and_drop_stray_bytes(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    emoji_ids = tokenizer("Kettle on? 🍵", add_special_tokens=False)["input_ids"]
    assembler = TextAssembler(tokenizer)
    pieces = [assembler.piece(emoji_ids[: i + 1]) for i in range(len(emoji_ids))]
    assert "".join(pieces) == "Kettle on? 🍵"
    assert all("\ufffd" not in piece for piece in pieces)

    # A lone continuation byte (an undertrained model can sample one) followed by text.
    stray = emoji_ids[-1:]  # the last byte of the emoji, alone: not a character
    ids = tokenizer("Steep", add_special_tokens=False)["input_ids"] + stray
    ids += tokenizer(" slow.", add_special_tokens=False)["input_ids"]
    assembler = TextAssembler(tokenizer)
    text = "".join(assembler.piece(ids[: i + 1]) for i in range(len(ids)))
    text += assembler.piece(ids, final=True)
    assert "\ufffd" not in text and text.startswith("Steep") and text.endswith("slow.")
