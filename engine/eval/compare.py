"""Base versus tuned on the held-out examples: perplexity, style score and sample answers.

`evaluate_run(model, tokenizer, heldout)` scores a tuned model (a PeftModel, whose base is the
same model with the adapter switched off, or any model plus an explicit `base_model`):

1. held-out loss and perplexity of both (engine.eval.perplexity), on the exact token layout
   training used (engine.prompt_format.encode_example: loss on the reply only);
2. a few answers from both for held-out prompts (for prose, the opening words of a held-out
   piece are the prompt and the model continues), sampled with the same seed for both at a
   low temperature (0.3: each model's typical answer, so a few prompts give a stable score);
3. the style score (engine.eval.style) of each model's answers against the user's held-out
   writing.

The result is a plain dict, stored as <run>/evaluation.json by `write_evaluation`. Its
"samples" hold the held-out prompts, which are the user's text: they stay in the run folder
and the model card never copies them.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.contract.chat_protocol import Sampling
from engine.contract.json_file import write_json_atomic
from engine.data.examples import Example
from engine.eval.perplexity import HeldoutLoss, batches_from_sequences, heldout_loss
from engine.eval.style import style_breakdown

EVALUATION_FILE = "evaluation.json"
SCHEMA = 1
PROSE_PROMPT_WORDS = 8
STYLE_METHOD = (
    "0.5 x character 3-5-gram cosine + 0.3 x function-word cosine + 0.2 x stylometric "
    "ratios (engine/eval/style.py); 0 = nothing alike, 1 = identical"
)


@contextmanager
def _base_of(model: Any, base_model: Any) -> Iterator[Any]:
    """The base model: the one given, or the tuned PeftModel with its adapter switched off."""
    if base_model is not None:
        yield base_model
        return
    from peft import PeftModel

    if not isinstance(model, PeftModel):
        raise TypeError("Pass base_model, or a PeftModel whose adapter can be switched off.")
    with model.disable_adapter():
        yield model


def _prompt_ids(tokenizer: Any, example: Example) -> tuple[list[int], str]:
    """Token ids that start the answer, and the visible prompt text for the samples."""
    from engine.prompt_format import chat_prompt_ids, messages_for

    if example.is_prose:
        words = example.response.split()
        opening = " ".join(words[: min(PROSE_PROMPT_WORDS, max(1, len(words) // 3))])
        return tokenizer(opening, add_special_tokens=True)["input_ids"], opening
    return chat_prompt_ids(tokenizer, messages_for(example)), example.prompt or ""


def _generate(
    model: Any, tokenizer: Any, prompts: list[list[int]], settings: dict[str, Any]
) -> list[str]:
    """All prompts' answers in one batch (left-padded), drawn from one seeded generator.

    One batch, not a loop: a decoding step of a small model costs about the same for three
    rows as for one (on the CPU each step unpacks every 4-bit weight once), so the check
    takes a third of the time. Base and tuned draw from the same seed.
    """
    import torch

    from engine.prompt_format import end_token_ids

    device = next(model.parameters()).device
    eos = sorted(end_token_ids(tokenizer))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos[0]
    longest = max(len(ids) for ids in prompts)
    input_ids = torch.tensor(
        [[pad] * (longest - len(ids)) + ids for ids in prompts], dtype=torch.long, device=device
    )
    attention_mask = torch.tensor(
        [[0] * (longest - len(ids)) + [1] * len(ids) for ids in prompts], device=device
    )
    was_training = model.training
    model.eval()
    # Seeding must not disturb the caller's random state: a trainer that evaluates and then
    # continues draws exactly what it would have drawn without the evaluation.
    cuda_devices = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda_devices), torch.no_grad():
            torch.manual_seed(settings["seed"])
            out = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                max_new_tokens=settings["max_new_tokens"],
                do_sample=True,
                temperature=settings["temperature"],
                top_p=settings["top_p"],
                repetition_penalty=settings["repetition_penalty"],
                eos_token_id=eos,
                pad_token_id=pad,
            )
    finally:
        model.train(was_training)
    answers = tokenizer.batch_decode(out[:, longest:], skip_special_tokens=True)
    return [answer.strip() for answer in answers]


CPU_MAX_PROMPTS = 3
CPU_MAX_NEW_TOKENS = 60


def evaluate_run(
    model: Any,
    tokenizer: Any,
    heldout: Sequence[Example],
    *,
    base_model: Any = None,
    max_prompts: int = 6,
    max_new_tokens: int = 80,
    max_tokens: int = 1024,
    batch_size: int = 4,
    temperature: float = 0.3,
    top_p: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Perplexity and style score, base versus tuned, as a dict for evaluation.json."""
    from engine.prompt_format import encode_example

    started = time.perf_counter()
    if next(model.parameters()).device.type == "cpu":
        # Generation dominates the check; on a processor it must stay a fraction of the
        # training time (the demo: 6 prompts of 80 tokens, twice, took longer than training).
        max_prompts = min(max_prompts, CPU_MAX_PROMPTS)
        max_new_tokens = min(max_new_tokens, CPU_MAX_NEW_TOKENS)
    settings = {
        "max_prompts": max_prompts,
        "max_new_tokens": max_new_tokens,
        "temperature": temperature,
        "top_p": top_p,
        # As chat does (engine.contract.chat_protocol.Sampling): a small model at a low
        # temperature otherwise repeats one phrase until the length runs out.
        "repetition_penalty": Sampling().repetition_penalty,
        "seed": seed,
    }
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "heldout_examples": len(heldout),
        "generation": settings,
    }
    if not heldout:
        result["note"] = "No examples were kept aside, so nothing could be measured."
        return result

    encoded = [encode_example(tokenizer, ex, max_tokens) for ex in heldout]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    batches = batches_from_sequences([(e.input_ids, e.labels) for e in encoded], batch_size, pad)
    chosen = list(heldout)
    random.Random(seed).shuffle(chosen)
    chosen = chosen[:max_prompts]
    prompts = [_prompt_ids(tokenizer, ex) for ex in chosen]
    reference = [ex.response for ex in heldout]

    losses: dict[str, HeldoutLoss] = {}
    answers: dict[str, list[str]] = {}
    losses["tuned"] = heldout_loss(model, batches)
    answers["tuned"] = _generate(model, tokenizer, [ids for ids, _ in prompts], settings)
    with _base_of(model, base_model) as base:
        losses["base"] = heldout_loss(base, batches)
        answers["base"] = _generate(base, tokenizer, [ids for ids, _ in prompts], settings)

    result["perplexity"] = {name: losses[name].to_dict() for name in ("base", "tuned")}
    result["style"] = {
        "method": STYLE_METHOD,
        "prompts": len(prompts),
        **{name: style_breakdown(answers[name], reference) for name in ("base", "tuned")},
    }
    result["summary"] = summarise(result)
    result["samples"] = [
        {"prompt": text, "base": base_answer, "tuned": tuned_answer}
        for (_, text), base_answer, tuned_answer in zip(
            prompts, answers["base"], answers["tuned"], strict=True
        )
    ]
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def summarise(result: dict[str, Any]) -> list[str]:
    """Two plain sentences for the run page: surprise and style, base versus tuned."""
    lines = []
    ppl = result.get("perplexity", {})
    base, tuned = ppl.get("base", {}).get("perplexity"), ppl.get("tuned", {}).get("perplexity")
    if base and tuned and base == base and tuned == tuned:  # x == x is False for NaN
        if tuned < base:
            lines.append(
                f"Your held-out writing surprises the tuned model {base / tuned:.1f}x less than "
                f"the base model (perplexity {tuned:.1f} versus {base:.1f}; lower is better)."
            )
        else:
            lines.append(
                f"The tuned model is not less surprised by your held-out writing than the base "
                f"model (perplexity {tuned:.1f} versus {base:.1f}); more or different data may help."
            )
    style = result.get("style", {})
    if "base" in style and "tuned" in style:
        b, t = style["base"]["score"], style["tuned"]["score"]
        verdict = "closer to" if t > b else "no closer to"
        lines.append(
            f"Its answers sound {verdict} your writing: style score {t:.2f} versus {b:.2f} for "
            "the base model (0 to 1, higher is closer)."
        )
    return lines


def write_evaluation(run_dir: Path, result: dict[str, Any]) -> Path:
    """Save `result` as <run_dir>/evaluation.json (written to a temporary file, then renamed)."""
    return write_json_atomic(Path(run_dir) / EVALUATION_FILE, result)


def read_evaluation(run_dir: Path) -> dict[str, Any] | None:
    """The run's evaluation.json, or None when it is missing or unreadable."""
    try:
        data = json.loads((Path(run_dir) / EVALUATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def evaluate_run_dir(run_dir: Path, **options: Any) -> dict[str, Any]:
    """Load a finished run (4-bit base + adapter), rebuild its held-out split from run.json
    (same data, same seed), evaluate, and write evaluation.json. Returns the result."""
    from engine.chat.loading import load_adapter_model, load_tokenizer, pick_device
    from engine.chat.run_info import read_run
    from engine.contract.config import RunConfig
    from engine.data.prepare import prepare_examples
    from engine.modeling import configure_cpu_threads

    configure_cpu_threads()
    info = read_run(Path(run_dir))
    config = RunConfig.from_dict(info.config["config"])
    tokenizer = load_tokenizer(info)
    prepared = prepare_examples(
        config.data,
        count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
        seed=config.training.seed,
    )
    model = load_adapter_model(info, pick_device())
    options.setdefault("max_tokens", config.data.max_example_tokens)
    options.setdefault("seed", config.training.seed)
    result = evaluate_run(model, tokenizer, prepared.heldout, **options)
    write_evaluation(info.run_dir, result)
    return result
