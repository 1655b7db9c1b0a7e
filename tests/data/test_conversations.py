"""Multi-turn chats from JSONL (messages lists and ShareGPT conversations), kept whole:
every assistant turn is learnt with the whole conversation before it, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.data.examples import Example
from engine.prompt_format import IGNORE, encode_example
from tests.data.conftest import prepare

TURNS = [
    (
        "Write a tagline for Low Tide, our smoky black tea.",
        "Low Tide: smoke, salt and a slow pour.",
    ),
    ("Now one for Night Watch.", "Night Watch: the last cup before the lights go out."),
    ("Shorter, please.", "Night Watch. Last cup, lights out."),
]
SYSTEM = "You write for Foghorn Tea, a small harbour tea shop."


def _messages() -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for user, reply in TURNS:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return messages


def _sharegpt() -> list[dict[str, str]]:
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    return [{"from": names[m["role"]], "value": m["content"]} for m in _messages()]


@pytest.mark.parametrize("shape", ["messages", "conversations"])
def test_a_conversation_becomes_one_whole_example(tmp_path: Path, shape: str) -> None:
    chat = tmp_path / "chat.jsonl"
    body = _messages() if shape == "messages" else _sharegpt()
    lines = [
        {shape: body},
        {shape: body[:1] + body[1:3] + [body[3] | {"content": "Hello?", "value": "Hello?"}]},
    ]
    chat.write_text("\n".join(json.dumps(obj) for obj in lines), encoding="utf-8")
    prepared = prepare(chat, heldout_fraction=0.0)
    whole, short = prepared.train
    assert whole.system == SYSTEM and whole.prompt == TURNS[2][0] and whole.response == TURNS[2][1]
    assert whole.history == (
        ("user", TURNS[0][0]), ("assistant", TURNS[0][1]),
        ("user", TURNS[1][0]), ("assistant", TURNS[1][1]),
    )  # fmt: skip
    # The second conversation ends with an unanswered question: that turn teaches nothing.
    assert short.history == () and short.response == TURNS[0][1]
    preview = prepared.report.preview[0]
    assert [(t.role, t.text) for t in preview.turns] == list(whole.history)
    assert any("kept whole" in note for note in prepared.report.files[0].notes)


def test_each_reply_is_trained_after_its_whole_conversation(tiny_tokenizer) -> None:
    example = Example(
        response=TURNS[2][1],
        prompt=TURNS[2][0],
        system=SYSTEM,
        history=(
            ("user", TURNS[0][0]), ("assistant", TURNS[0][1]),
            ("user", TURNS[1][0]), ("assistant", TURNS[1][1]),
        ),
    )  # fmt: skip
    encoded = encode_example(tiny_tokenizer, example, 1024)
    messages = [{"role": "system", "content": SYSTEM}]
    for user, reply in TURNS:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    whole = tiny_tokenizer.apply_chat_template(messages, tokenize=False)
    assert tiny_tokenizer.decode(encoded.input_ids) == whole.rstrip("\n")

    # The trained tokens are exactly the three replies with their end-of-turn token, in
    # order, and each sits right after the template's cue for the assistant.
    spans: list[list[int]] = []
    for index, label in enumerate(encoded.labels):
        if label == IGNORE:
            continue
        assert label == encoded.input_ids[index]
        if not spans or encoded.labels[index - 1] == IGNORE:
            spans.append([])
            cue = tiny_tokenizer.decode(encoded.input_ids[:index])
            assert cue.endswith("<|assistant|>\n")
        spans[-1].append(label)
    assert [tiny_tokenizer.decode(span) for span in spans] == [
        f"{reply}<|end|>" for _, reply in TURNS
    ]


def test_a_long_conversation_is_cut_not_mislabelled(tiny_tokenizer) -> None:
    """Cut to the token budget, the labels still only cover reply tokens."""
    history = tuple(
        turn for user, reply in TURNS[:2] for turn in (("user", user), ("assistant", reply))
    )
    example = Example(TURNS[2][1], TURNS[2][0], SYSTEM, history=history)  # type: ignore[arg-type]
    full = encode_example(tiny_tokenizer, example, 1024)
    cut = encode_example(tiny_tokenizer, example, 40)
    assert len(cut) == 40 and cut.labels == full.labels[:40]


def test_a_template_that_rewrites_past_turns_masks_them(tiny_tokenizer) -> None:
    """A template that renders earlier replies differently once more follows (as some
    reasoning models' do) gives those turns no loss rather than the wrong tokens."""
    tokenizer = tiny_tokenizer
    original = tokenizer.chat_template
    tokenizer.chat_template = (
        "{% for message in messages %}"
        "{% if message['role'] == 'assistant' and not loop.last %}"
        "{{ '<|assistant|>\\n(earlier reply)<|end|>\\n' }}"
        "{% else %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
        "{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
    )
    try:
        example = Example(
            TURNS[1][1],
            TURNS[1][0],
            None,
            history=(("user", TURNS[0][0]), ("assistant", TURNS[0][1])),
        )
        encoded = encode_example(tokenizer, example, 1024)
    finally:
        tokenizer.chat_template = original
    trained = [label for label in encoded.labels if label != IGNORE]
    assert tokenizer.decode(trained) == f"{TURNS[1][1]}<|end|>"
