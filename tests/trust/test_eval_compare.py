"""Base versus tuned on a tiny real model: perplexity and style both move toward the samples.

The tiny test model (engine.tiny_test_model) is a 2-layer Llama with random weights; a LoRA adapter trained
for a few dozen steps on a handful of texts in one voice must make held-out texts in that
voice less surprising and its own answers closer in style.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")

from engine.data.examples import Example  # noqa: E402
from engine.eval.compare import evaluate_run, read_evaluation, write_evaluation  # noqa: E402
from engine.eval.perplexity import batches_from_sequences, heldout_loss  # noqa: E402

VOICE = [
    "Big news! Our spring drop is here and you're going to love it. Grab yours today!",
    "You asked, we listened. The new bottle keeps your coffee hot all day. Grab yours today!",
    "Ready for a reset? Our morning routine is all you need. Try it tomorrow, you'll love it!",
    "Say hello to the comfiest hoodie we've ever made. You're going to love it. Grab yours!",
    "Big news! The new colours are here and you're going to love them. Grab yours today!",
    "You asked, we listened. Free delivery is back this weekend. Grab yours today!",
    "Ready for summer? Our lightest frame is here and you're going to love it. Try it today!",
    "Say hello to the new bag. Soft inside, tough outside. You're going to love it!",
]
HELDOUT = [
    "Big news! Our autumn drop is here and you're going to love it. Grab yours today!",
    "You asked, we listened. The new mug keeps your tea hot all day. Grab yours today!",
    "Say hello to the comfiest socks we've ever made. You're going to love them. Grab yours!",
]


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    # A tiny model gains nothing from threads, and on a busy machine they cost seconds a step.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory, one_thread: None) -> tuple:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.tiny_test_model import ensure_tiny_test_model

    folder = ensure_tiny_test_model(tmp_path_factory.mktemp("demo-root"))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    config = peft.LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.0)
    model = peft.get_peft_model(base, config)
    ids = [tokenizer(t)["input_ids"] + [tokenizer.eos_token_id] for t in VOICE]
    batches = batches_from_sequences([(i, i) for i in ids], 8, tokenizer.pad_token_id)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-3)
    model.train()
    for _ in range(60):
        for batch in batches:
            labels = batch["labels"].masked_fill(batch["attention_mask"] == 0, -100)
            loss = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels
            ).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return model, tokenizer


def test_heldout_loss_counts_only_labelled_tokens(tuned: tuple) -> None:
    model, tokenizer = tuned
    ids = tokenizer(HELDOUT[0])["input_ids"]
    labels = [-100] * 5 + ids[5:]
    full = heldout_loss(model, batches_from_sequences([(ids, ids)], 1, 0))
    part = heldout_loss(model, batches_from_sequences([(ids, labels)], 1, 0))
    assert full.tokens == len(ids) - 1
    assert part.tokens == len(ids) - 5
    assert full.perplexity == pytest.approx(2.718281828**full.loss, rel=1e-6)
    empty = heldout_loss(model, batches_from_sequences([(ids, [-100] * len(ids))], 1, 0))
    assert empty.tokens == 0


def test_tuned_moves_toward_the_samples(tuned: tuple, tmp_path: Path) -> None:
    model, tokenizer = tuned
    heldout = [Example(response=text, source=f"heldout#{i}") for i, text in enumerate(HELDOUT)]
    heldout.append(Example(prompt="Write a launch line for our new mug.", response=HELDOUT[1]))
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    result = evaluate_run(model, tokenizer, heldout, max_prompts=6, max_new_tokens=30, seed=3)
    assert torch.rand(1) == expected_next  # the caller's random state is left alone

    ppl = result["perplexity"]
    assert ppl["tuned"]["perplexity"] < ppl["base"]["perplexity"] / 2
    assert ppl["base"]["tokens"] == ppl["tuned"]["tokens"] > 0
    style = result["style"]
    assert style["tuned"]["score"] > style["base"]["score"]
    assert len(result["samples"]) == 3  # on the CPU the check is cut to 3 prompts
    assert result["generation"]["max_prompts"] == 3
    assert all(set(s) == {"prompt", "base", "tuned"} for s in result["samples"])
    assert len(result["summary"]) == 2 and "less" in result["summary"][0]

    write_evaluation(tmp_path, result)
    assert read_evaluation(tmp_path) == result


def test_no_heldout_examples_measures_nothing(tuned: tuple, tmp_path: Path) -> None:
    model, tokenizer = tuned
    result = evaluate_run(model, tokenizer, [])
    assert result["heldout_examples"] == 0 and "perplexity" not in result
    assert read_evaluation(tmp_path / "missing") is None
