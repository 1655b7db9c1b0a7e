"""Packing: rows fit, every example is used once an epoch, the plan is reproducible, and an
example gets the same logits inside a packed row as on its own (no cross-attention)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.examples import Example
from engine.prompt_format import IGNORE, EncodedExample, encode_example
from engine.train.packing import collate, pack_rows, plan_steps


def test_rows_fit_and_use_every_example_once() -> None:
    lengths = [5, 60, 33, 100, 7, 64, 12, 90, 1, 40]
    rows = pack_rows(lengths, list(range(len(lengths))), 128)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= 128 for row in rows)
    assert len(rows) <= 5  # 452 tokens fit in 4 rows of 128; first fit may need one more


def test_plan_is_reproducible_and_shuffles_each_epoch() -> None:
    lengths = [10 + (i * 7) % 50 for i in range(40)]
    first = plan_steps(lengths, 128, 4, epochs=2, seed=3)
    again = plan_steps(lengths, 128, 4, epochs=2, seed=3)
    other = plan_steps(lengths, 128, 4, epochs=2, seed=4)
    assert first.steps == again.steps
    assert first.steps != other.steps
    rows = [row for step in first.steps for row in step]
    assert sorted(i for row in rows for i in row) == sorted(list(range(40)) * 2)


def test_plan_honours_max_steps_by_cycling() -> None:
    plan = plan_steps([20] * 8, 64, 2, epochs=1, seed=0, max_steps=10)
    assert plan.total_steps == 10


def test_collate_restarts_positions_per_example_and_pads_without_loss() -> None:
    a = EncodedExample([1, 2, 3], [IGNORE, 2, 3])
    b = EncodedExample([4, 5], [IGNORE, 5])
    batch = collate([[0, 1], [1]], [a, b], pad_id=0, device="cpu")
    assert batch.input_ids.tolist() == [[1, 2, 3, 4, 5], [4, 5, 0, 0, 0]]
    assert batch.position_ids.tolist() == [[0, 1, 2, 0, 1], [0, 1, 0, 1, 2]]
    assert batch.labels.tolist() == [[IGNORE, 2, 3, IGNORE, 5], [IGNORE, 5] + [IGNORE] * 3]
    assert batch.real_tokens == 7 and batch.trained_tokens == 4


# bf16 compute on the CPU: the same math in differently shaped matmuls can round differently
# in the last bf16 bit; cross-attention between examples would change logits by whole units.
PACKED_TOLERANCE = 0.05


def test_packed_example_logits_equal_alone(tiny_model: Path, tiny_tokenizer) -> None:
    import torch

    from engine.modeling import choose_placement, load_4bit_model

    model = load_4bit_model(tiny_model, choose_placement(), gradient_checkpointing=False)
    texts = [
        "Meet the new lamp: brighter than ever.",
        "Short sentences carry weight.",
        "Try it in store this Saturday, or order online today.",
    ]
    examples = [encode_example(tiny_tokenizer, Example(response=t), 128) for t in texts]
    with torch.no_grad():
        alone = [
            model(input_ids=torch.tensor([e.input_ids]), use_cache=False).logits[0].float()
            for e in examples
        ]
        batch = collate([[0, 1, 2]], examples, tiny_tokenizer.pad_token_id, "cpu")
        packed = (
            model(input_ids=batch.input_ids, position_ids=batch.position_ids, use_cache=False)
            .logits[0]
            .float()
        )
        # The same row with one causal mask over everything: examples see each other.
        leaky = model(input_ids=batch.input_ids, use_cache=False).logits[0].float()
    start = 0
    worst, leak = 0.0, 0.0
    for example, reference in zip(examples, alone, strict=True):
        end = start + len(example)
        worst = max(worst, float((packed[start:end] - reference).abs().max()))
        leak = max(leak, float((leaky[start:end] - reference).abs().max()))
        start = end
    print(f"packed-vs-alone max |diff| {worst:.5f}, with cross-attention {leak:.3f}")
    assert worst < PACKED_TOLERANCE
    assert leak > 10 * PACKED_TOLERANCE  # the check would notice cross-attention


@pytest.mark.parametrize("system", [None, "Be brief."])
def test_prompt_tokens_carry_no_loss(tiny_tokenizer, system: str | None) -> None:
    example = Example(response="Hello from the team.", prompt="Say hello.", system=system)
    encoded = encode_example(tiny_tokenizer, example, 256)
    trained = [
        t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label != IGNORE
    ]
    first_trained = encoded.labels.index(next(x for x in encoded.labels if x != IGNORE))
    prompt_text = tiny_tokenizer.decode(encoded.input_ids[:first_trained])
    assert prompt_text.endswith("Say hello.<|end|>\n<|assistant|>\n")
    assert tiny_tokenizer.decode(trained) == "Hello from the team.<|end|>"
    assert encoded.input_ids[-1] == tiny_tokenizer.eos_token_id


def test_prose_trains_on_every_token_and_ends_with_eos(tiny_tokenizer) -> None:
    encoded = encode_example(tiny_tokenizer, Example(response="Good writing is clear."), 256)
    assert encoded.input_ids[-1] == tiny_tokenizer.eos_token_id
    assert encoded.labels[0] == IGNORE  # nothing inside the example predicts its first token
    assert encoded.labels[1:] == encoded.input_ids[1:]


def test_fallback_format_without_chat_template(tiny_model: Path) -> None:
    from engine.modeling import load_tokenizer
    from engine.prompt_format import chat_prompt_ids

    tokenizer = load_tokenizer(tiny_model)
    tokenizer.chat_template = None
    encoded = encode_example(tokenizer, Example(response="Yes.", prompt="Ready?"), 256)
    text = tokenizer.decode(encoded.input_ids)
    assert "### Instruction:\nReady?\n\n### Response:\nYes.<|end|>" in text
    trained = [
        t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label != IGNORE
    ]
    assert tokenizer.decode(trained) == "Yes.<|end|>"
    prompt = tokenizer.decode(chat_prompt_ids(tokenizer, [{"role": "user", "content": "Ready?"}]))
    assert prompt.endswith("### Response:\n")


def test_long_examples_are_cut_to_the_row_length(tiny_tokenizer) -> None:
    encoded = encode_example(tiny_tokenizer, Example(response="word " * 400), 64)
    assert len(encoded) == 64 and encoded.input_ids[-1] == tiny_tokenizer.eos_token_id
