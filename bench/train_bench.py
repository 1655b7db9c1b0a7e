"""Training benchmark: the plain baseline and the engine, same process, same token stream.

The baseline is docs/performance.md's recipe: transformers + peft + bitsandbytes,
`prepare_model_for_kbit_training` with gradient checkpointing, LoRA r=16 on all linear
layers, PagedAdamW8bit (lr 1e-4) on CUDA (torch AdamW on the CPU, where paged optimisers do
not exist). The engine side uses the engine's own loader (`engine.modeling.load_4bit_model`,
`attach_lora`) with packed rows whose position ids restart per document (no attention across
documents) and either the engine's loss (`engine.train.losses.summed_loss`, full logits) or
the fused/chunked loss of `engine.fast`. The "engine" variant checkpoints as few decoder
layers as the memory plan needs to stay within the baseline's measured peak (selective
recomputation, `engine.fast.checkpointing`); "engine-lowmem" checkpoints every layer.

Shapes: random weights in the shape of Llama-3.2-1B or Llama-3.1-8B on CUDA, or the tiny
demo shape (runs on the CPU in well under a minute). Modes: "packed" (rows of tokens, the
baseline lets documents see each other) and "padded" (a fixed number of documents a step;
the baseline pads them to the longest, the engine packs them into one row).

    python bench/train_bench.py --shape tiny
    python bench/train_bench.py --shape 8b --out $OUT/train-8b.json
    python bench/train_bench.py --shape 8b --warmup 2 --steps 8 --profile-below 3.0,2.4

`--profile-below ENGINE,LOWMEM`: when "engine" (or "engine-lowmem") stays under that multiple
of the baseline's tokens/s, two more steps of it run under torch.profiler and the JSON gets
the top kernels by GPU time (the profile that says where the time went).

Prints one JSON document: tokens/s (real tokens), peak GPU memory with the estimator's
prediction, the ratio to the baseline, each step's loss and gradient norm, and the first batch's
loss before any update and after the last ("loss_fell" compares those two).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import gc
import itertools
import json
import math
import platform
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from engine.contract.estimates import (
    LLAMA_3_1_8B,
    LLAMA_3_2_1B,
    TINY_TEST_SHAPE,
    ModelShape,
    TrainPlan,
    least_recompute,
    peak_memory_gib,
)

IGNORE = -100


@dataclass(frozen=True)
class Shape:
    model: ModelShape
    row_tokens: int  # packed: tokens a row
    rows: int  # packed: rows a step
    docs_per_step: int  # padded: documents a step
    median_doc: int
    max_doc: int
    warmup: int
    steps: int
    lr: float  # the recipe's 1e-4; the tiny shape learns visibly in its few steps at 2e-3


SHAPES = {
    "tiny": Shape(TINY_TEST_SHAPE, 512, 2, 4, 60, 400, 1, 6, 2e-3),
    "1b": Shape(LLAMA_3_2_1B, 2048, 4, 8, 220, 1500, 3, 10, 1e-4),
    "8b": Shape(LLAMA_3_1_8B, 2048, 4, 8, 220, 1500, 3, 10, 1e-4),
}
VARIANTS = ("baseline", "engine", "engine-lowmem", "engine-plain")


def build_random_model(shape: ModelShape, folder: Path, device: str) -> None:
    """Random bf16 weights in `shape`, saved with save_pretrained (no download)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=shape.vocab,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        tie_word_embeddings=shape.tied_embeddings,
        max_position_embeddings=4096,
        rope_theta=500000.0,
    )
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(folder, safe_serialization=True)
    del model
    _free(device)


def documents(shape: Shape, count: int, seed: int = 0) -> list[list[int]]:
    """Log-normal lengths (sigma 0.8, clipped), Zipf-like token ids a model can learn from."""
    rng = random.Random(seed)
    vocab = shape.model.vocab
    cumulative = list(itertools.accumulate(1.0 / (rank + 10) for rank in range(vocab)))
    tokens = list(range(vocab))
    docs = []
    for _ in range(count):
        length = int(rng.lognormvariate(math.log(shape.median_doc), 0.8))
        length = min(shape.max_doc, max(24, length))
        docs.append(rng.choices(tokens, cum_weights=cumulative, k=length))
    return docs


def packed_steps(shape: Shape, docs: list[list[int]], total: int) -> list[dict[str, Any]]:
    """The stream cut into rows; position ids restart at each document (used by the engine)."""
    stream: list[int] = []
    positions: list[int] = []
    for doc in docs:
        stream += doc
        positions += range(len(doc))
    per_step = shape.row_tokens * shape.rows
    steps = []
    for index in range(total):
        start = index * per_step
        ids = torch.tensor(stream[start : start + per_step]).view(shape.rows, shape.row_tokens)
        pos = torch.tensor(positions[start : start + per_step]).view(shape.rows, shape.row_tokens)
        labels = ids.clone()
        labels[pos == 0] = IGNORE  # never predict a document's first token from another
        steps.append({"ids": ids, "positions": pos, "labels": labels, "tokens": ids.numel()})
    return steps


def padded_steps(shape: Shape, docs: list[list[int]], total: int) -> list[dict[str, Any]]:
    """Fixed documents a step: padded for the baseline, and one packed row for the engine."""
    steps = []
    for index in range(total):
        group = docs[index * shape.docs_per_step : (index + 1) * shape.docs_per_step]
        width = max(len(d) for d in group)
        ids = torch.tensor([d + [0] * (width - len(d)) for d in group])
        mask = torch.tensor([[1] * len(d) + [0] * (width - len(d)) for d in group])
        labels = ids.masked_fill(mask == 0, IGNORE)
        row = torch.tensor([[token for d in group for token in d]])
        pos = torch.tensor([[p for d in group for p in range(len(d))]])
        row_labels = row.masked_fill(pos == 0, IGNORE)
        steps.append(
            {
                "ids": ids,
                "mask": mask,
                "labels": labels,
                "row": row,
                "row_positions": pos,
                "row_labels": row_labels,
                "tokens": int(mask.sum()),
            }
        )
    return steps


def load_baseline(folder: Path, device: str) -> Any:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    model = AutoModelForCausalLM.from_pretrained(
        folder,
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        ),
        attn_implementation="sdpa",
        dtype=torch.bfloat16,
        device_map={"": 0 if device == "cuda" else "cpu"},
    )
    model = prepare_model_for_kbit_training(
        model,
        use_gradient_checkpointing=True,
        gradient_checkpointing_kwargs={"use_reentrant": False},
    )
    config = LoraConfig(
        r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
    )
    torch.manual_seed(1)
    return get_peft_model(model, config)


def load_engine(folder: Path, device: str, checkpointed: int) -> Any:
    from engine.contract.config import LoraSettings
    from engine.fast.checkpointing import checkpoint_layers
    from engine.modeling import Placement, attach_lora, load_4bit_model

    model = load_4bit_model(folder, Placement(device, torch.bfloat16), checkpointed > 0)
    torch.manual_seed(1)
    model = attach_lora(model, LoraSettings(rank=16, alpha=32, dropout=0.0))
    checkpoint_layers(model, checkpointed)
    return model


def optimizer_for(model: Any, device: str, lr: float) -> Any:
    params = [p for p in model.parameters() if p.requires_grad]
    if device == "cuda":
        import bitsandbytes

        return bitsandbytes.optim.PagedAdamW8bit(params, lr=lr)
    return torch.optim.AdamW(params, lr=lr)


def step_loss(variant: str, model: Any, mode: str, step: dict[str, Any], device: str) -> Any:
    """Mean loss over trained tokens for one step of `variant`."""
    if variant == "baseline":
        mask = step.get("mask")
        out = model(
            input_ids=step["ids"].to(device),
            attention_mask=None if mask is None else mask.to(device),
            labels=step["labels"].to(device),
        )
        return out.loss
    if mode == "padded":
        ids, pos, labels = step["row"], step["row_positions"], step["row_labels"]
    else:
        ids, pos, labels = step["ids"], step["positions"], step["labels"]
    ids, pos, labels = ids.to(device), pos.to(device), labels.to(device)
    trained = int((labels[:, 1:] != IGNORE).sum())
    if variant == "engine-plain":
        from engine.train.losses import summed_loss
        from engine.train.packing import Batch

        batch = Batch(ids, pos, labels, ids.numel(), trained)
        return summed_loss(model, batch) / max(1, trained)
    from engine.fast.loss import summed_loss_fused

    return summed_loss_fused(model, ids, pos, labels) / max(1, trained)


def train_step(
    variant: str,
    model: Any,
    mode: str,
    step: dict[str, Any],
    device: str,
    params: list[Any],
    optimizer: Any,
) -> tuple[Any, Any]:
    """One optimiser step; returns the loss and the gradient norm (both still tensors)."""
    loss = step_loss(variant, model, mode, step, device)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(params, float("inf"))
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss, norm


def run_variant(
    variant: str,
    mode: str,
    shape: Shape,
    folder: Path,
    device: str,
    checkpointed: int,
    profile_below: float | None = None,
) -> dict[str, Any]:
    """Warm-up and measured steps of `variant`; with `profile_below` (tokens/s), two more
    steps under torch.profiler when the measured speed stays under it."""
    total = shape.warmup + shape.steps
    # What an earlier variant in this process still holds counts in this one's peak; the
    # 1B low-memory peak measured 0.5 GiB more here than in the engine's own loop.
    left_over = torch.cuda.memory_allocated() / 2**30 if device == "cuda" else None
    docs = documents(shape, 800 if device == "cuda" else 400)
    steps = (
        packed_steps(shape, docs, total) if mode == "packed" else padded_steps(shape, docs, total)
    )
    model = (
        load_baseline(folder, device)
        if variant == "baseline"
        else load_engine(folder, device, checkpointed)
    )
    model.train()
    optimizer = optimizer_for(model, device, shape.lr)
    params = [p for p in model.parameters() if p.requires_grad]
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    losses, norms, seconds, tokens = [], [], 0.0, 0

    for index, step in enumerate(steps):
        _sync(device)
        began = time.perf_counter()
        loss, norm = train_step(variant, model, mode, step, device, params, optimizer)
        _sync(device)
        if index >= shape.warmup:
            seconds += time.perf_counter() - began
            tokens += step["tokens"]
        losses.append(round(float(loss.detach()), 4))
        norms.append(round(float(norm), 4))
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    speed = tokens / seconds
    # Each step trains on a new batch, so last < first compares different batches: at lr 1e-4
    # the batch-to-batch spread is larger than ten steps' progress (H200, 4 December 2026).
    # The first batch again, after training, against its loss before any update, is the
    # comparison that says whether the model learned.
    with torch.no_grad():
        first_again = float(step_loss(variant, model, mode, steps[0], device))
    profile = None
    if profile_below is not None and speed < profile_below:
        again = functools.partial(
            train_step, variant, model, mode, steps[-1], device, params, optimizer
        )
        profile = _profile_steps(again, device)
        del again
    del model, optimizer, params
    _free(device)
    result = {
        "variant": variant,
        "mode": mode,
        "checkpointed_layers": checkpointed,
        "tokens_per_second": round(speed, 1),
        "measured_steps": shape.steps,
        "peak_gib": None if peak is None else round(peak, 2),
        "allocated_before_load_gib": None if left_over is None else round(left_over, 3),
        "predicted_peak_gib": round(_predicted_peak(variant, mode, shape, steps, checkpointed), 2),
        "loss": losses,
        "grad_norm": norms,
        "first_batch_loss": [losses[0], round(first_again, 5)],
        "loss_fell": first_again < losses[0],
        "grads_nonzero": all(n > 0 for n in norms),
    }
    if profile is not None:
        result["profile"] = profile
    return result


def _profile_steps(step: Any, device: str, steps: int = 2, rows: int = 15) -> dict[str, Any]:
    """Top operators/kernels by self GPU time (CPU time on the CPU) over `steps` steps."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if device == "cuda":
        activities.append(ProfilerActivity.CUDA)
    try:
        with profile(activities=activities) as prof:
            for _ in range(steps):
                step()
            _sync(device)
        events = prof.key_averages()
        key = "self_device_time_total" if device == "cuda" else "self_cpu_time_total"
        top = sorted(events, key=lambda e: getattr(e, key, 0) or 0, reverse=True)[:rows]
        total = sum(getattr(e, key, 0) or 0 for e in events) or 1
        return {
            "steps": steps,
            "sorted_by": key,
            "top": [
                {
                    "name": e.key[:120],
                    "calls": e.count,
                    "self_ms": round((getattr(e, key, 0) or 0) / 1000, 2),
                    "share": round((getattr(e, key, 0) or 0) / total, 4),
                }
                for e in top
            ],
            "table": events.table(sort_by=key, row_limit=rows, max_name_column_width=60),
        }
    except Exception as exc:  # a profile is a diagnosis: its failure must not lose the figures
        return {"error": repr(exc)[:500]}


def _predicted_peak(
    variant: str, mode: str, shape: Shape, steps: list[dict[str, Any]], checkpointed: int
) -> float:
    baseline = variant == "baseline"
    if mode == "packed":
        rows, width = shape.rows, shape.row_tokens
    elif baseline:
        rows, width = shape.docs_per_step, max(s["ids"].shape[1] for s in steps)
    else:
        rows, width = 1, max(s["row"].shape[1] for s in steps)
    plan = TrainPlan(
        sequence_length=width,
        micro_batch=rows,
        gradient_checkpointing=checkpointed > 0,
        checkpointed_layers=checkpointed,
        loss="full" if variant in ("baseline", "engine-plain") else "chunked",
        upcast_frozen=baseline,
    )
    return peak_memory_gib(shape.model, plan)


def engine_checkpointed_layers(shape: Shape, device: str, budget_gib: float | None) -> int:
    """The memory plan: the fewest layers to recompute so the engine stays within the budget
    (the baseline's measured peak, and 85% of the card)."""
    if device != "cuda":
        return 0
    plan = TrainPlan(shape.row_tokens, shape.rows, loss="chunked")
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    limit = min(total * 0.85, budget_gib) if budget_gib else total * 0.85
    count = least_recompute(shape.model, plan, limit)
    return shape.model.layers if count is None else count


def _scratch_dir() -> str | None:
    """RAM-backed /dev/shm when it has room for an 8B bf16 model (saving and loading the
    random weights then costs seconds, not minutes); else the default temporary folder."""
    import shutil

    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > 40 * 2**30:
        return str(shm)
    return None


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _free(device: str) -> None:
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--modes", default="packed,padded")
    parser.add_argument("--variants", default="baseline,engine,engine-lowmem")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--warmup", type=int, help="warm-up steps (default: the shape's)")
    parser.add_argument("--steps", type=int, help="measured steps (default: the shape's)")
    parser.add_argument(
        "--profile-below",
        help="ENGINE,LOWMEM: profile a variant whose speed stays under this x the baseline",
    )
    args = parser.parse_args(argv)
    shape = SHAPES[args.shape]
    if args.warmup is not None or args.steps is not None:
        warmup = shape.warmup if args.warmup is None else args.warmup
        steps = shape.steps if args.steps is None else args.steps
        if warmup < 0 or steps < 1:
            parser.error("--warmup must be 0 or more and --steps 1 or more")
        shape = dataclasses.replace(shape, warmup=warmup, steps=steps)
    targets = _profile_targets(parser, args.profile_below)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        if args.shape != "tiny":
            parser.error("the 1b and 8b shapes need a CUDA GPU; use --shape tiny on the CPU")
        from engine.modeling import configure_cpu_threads

        configure_cpu_threads()
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant {unknown[0]}; choose from {', '.join(VARIANTS)}")
    began = time.perf_counter()
    results: list[dict[str, Any]] = []

    def report() -> str:
        """The JSON so far; --out is rewritten after each variant, so a timeout loses only
        the variants still to come."""
        _add_ratios(results)
        text = json.dumps(
            {
                "benchmark": "train",
                "shape": args.shape,
                "device": torch.cuda.get_device_name(0)
                if device == "cuda"
                else platform.processor() or platform.machine(),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "versions": _versions(),
                "cpu_threads": torch.get_num_threads(),
                "warmup_steps": shape.warmup,
                "seconds": round(time.perf_counter() - began, 1),
                "max_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                "results": results,
            },
            indent=1,
        )
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text + "\n", encoding="utf-8")
        return text

    with tempfile.TemporaryDirectory(prefix="quillora-bench-", dir=_scratch_dir()) as tmp:
        folder = Path(tmp) / "model"
        build_random_model(shape.model, folder, device)
        for mode in [m for m in args.modes.split(",") if m]:
            baseline_peak = baseline_speed = None
            for variant in variants:
                if variant in ("baseline", "engine-lowmem"):
                    checkpointed = shape.model.layers
                else:
                    checkpointed = engine_checkpointed_layers(shape, device, baseline_peak)
                below = None
                if baseline_speed is not None and variant in targets:
                    below = targets[variant] * baseline_speed
                result = run_variant(variant, mode, shape, folder, device, checkpointed, below)
                if variant == "baseline":
                    baseline_peak = result["peak_gib"]
                    baseline_speed = result["tokens_per_second"]
                results.append(result)
                report()
    print(report())
    return 0


def _profile_targets(parser: argparse.ArgumentParser, text: str | None) -> dict[str, float]:
    """ "3.0,2.4" -> the speed (x baseline) under which engine / engine-lowmem get profiled."""
    if not text:
        return {}
    try:
        engine, lowmem = (float(part) for part in text.split(","))
    except ValueError:
        parser.error("--profile-below takes two numbers, e.g. 3.0,2.4")
    return {"engine": engine, "engine-lowmem": lowmem}


def _add_ratios(results: list[dict[str, Any]]) -> None:
    baselines = {r["mode"]: r for r in results if r["variant"] == "baseline"}
    for result in results:
        base = baselines.get(result["mode"])
        if base is None:
            continue
        result["speed_vs_baseline"] = round(
            result["tokens_per_second"] / base["tokens_per_second"], 3
        )
        if result["peak_gib"] and base["peak_gib"]:
            result["memory_vs_baseline"] = round(result["peak_gib"] / base["peak_gib"], 3)


def _versions() -> dict[str, str]:
    from engine.hardware import package_version

    names = ("torch", "transformers", "peft", "bitsandbytes", "liger-kernel")
    return {name: version for name in names if (version := package_version(name)) is not None}


if __name__ == "__main__":
    raise SystemExit(main())
