"""Chat decoding: Quillora's engine against plain `model.generate`, same prompt, same run.

Prints one JSON object. Batch 1, a 64-token prompt, 128 new tokens, greedy, no early stop.
Shapes: `tiny` (the demo model's shape; runs on the CPU), `1b` (Llama-3.2-1B) and `8b`
(Llama-3.1-8B), random weights built locally (no download) with a random non-zero LoRA
adapter (r=16, all linear layers) saved as a run folder.

Variants (each: tokens/s over the new tokens, and first-token time = prefill + first pick):
- baseline_4bit_lora: the docs/performance.md baseline, NF4 base + unmerged LoRA, `generate()`.
- baseline_merged_generate: 16-bit merged weights with `generate()` (the second baseline).
- engine_4bit_lora: the engine's loop on the same NF4 + adapter model.
- engine_merged: the engine's loop on merged 16-bit weights, dynamic cache.
- engine_merged_static_compiled (CUDA only): merged weights, static KV cache and a
  CUDA-graphed one-token step (engine.chat.fast). The chat session uses it on CUDA.

    python bench/chat_bench.py --shape tiny
    python bench/chat_bench.py --shape 8b      # on a CUDA GPU
    python bench/chat_bench.py --shape 8b --new-tokens 64 --out $OUT/chat-8b.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES: dict[str, dict[str, Any]] = {
    "tiny": dict(
        hidden_size=128, intermediate_size=384, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=4, vocab_size=2048, max_position_embeddings=2048,
    ),
    "1b": dict(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
        num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, tie_word_embeddings=True, head_dim=64,
    ),
    "8b": dict(
        hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, tie_word_embeddings=False, head_dim=128,
    ),
}  # fmt: skip


class CountingTokenizer:
    """Stands in for a tokenizer when decoding random ids: one character per token."""

    eos_token_id = None

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "x" * len(ids)


def build_run(shape: str, folder: Path, device: str) -> Path:
    """A random model in `shape` and a run folder with a random non-zero adapter."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    config = LlamaConfig(**SHAPES[shape], dtype=dtype)
    torch.manual_seed(0)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build an 8B shape in bf16 directly (not 32 GB of fp32)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(default_dtype)
    base_dir = folder / "base"
    model.save_pretrained(base_dir, safe_serialization=True)
    peft_model = get_peft_model(
        model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
    )
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.01)
    run_dir = folder / "run"
    peft_model.save_pretrained(run_dir / "adapter")
    (run_dir / "run.json").write_text(json.dumps({"base_model_path": str(base_dir)}))
    del model, peft_model
    if device == "cuda":
        torch.cuda.empty_cache()
    return run_dir


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def time_generate(model: Any, prompt: list[int], new_tokens: int, device: str) -> dict[str, float]:
    import torch

    ids = torch.tensor([prompt], device=device)
    kwargs = dict(do_sample=False, eos_token_id=None, pad_token_id=0)
    with torch.inference_mode():
        model.generate(ids, max_new_tokens=8, min_new_tokens=8, **kwargs)  # warm-up
        _sync(device)
        start = time.perf_counter()
        model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kwargs)
        _sync(device)
        first = time.perf_counter() - start
        start = time.perf_counter()
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kwargs)
        _sync(device)
        seconds = time.perf_counter() - start
    made = out.shape[1] - len(prompt)
    return {"tokens_per_s": made / seconds, "first_token_s": first, "new_tokens": made}


def time_engine(stepper: Any, prompt: list[int], new_tokens: int, device: str) -> dict[str, float]:
    from engine.chat.decoding import Sampling, generate

    sampling = Sampling(temperature=0.0, max_new_tokens=new_tokens)
    tokenizer = CountingTokenizer()
    began = time.perf_counter()
    for _ in range(2):  # warm-up (the compiled step captures its graph here)
        generate(stepper, tokenizer, prompt, Sampling(0.0, 1.0, 16), set(), lambda _: None)
    _sync(device)
    warmup = time.perf_counter() - began
    reply = generate(stepper, tokenizer, prompt, sampling, set(), lambda _: None)
    _sync(device)
    return {
        "tokens_per_s": len(reply.token_ids) / reply.seconds,
        "first_token_s": reply.first_token_seconds,
        "new_tokens": len(reply.token_ids),
        "warmup_s": warmup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--prompt-tokens", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    import torch

    from engine.chat.decoding import EagerStepper
    from engine.chat.loading import load_adapter_model, load_merged_model, pick_device
    from engine.chat.run_info import read_run

    device = pick_device()
    if device == "cpu":
        from engine.modeling import configure_cpu_threads

        configure_cpu_threads()  # spinning OpenMP threads on a shared CPU cost up to 30x
    if args.shape != "tiny" and device != "cuda":
        sys.exit("The 1b and 8b shapes need a CUDA GPU; use --shape tiny on the CPU.")
    prompt = torch.randint(10, SHAPES[args.shape]["vocab_size"], (args.prompt_tokens,)).tolist()
    report: dict[str, Any] = {
        "shape": args.shape,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "prompt_tokens": args.prompt_tokens,
        "new_tokens": args.new_tokens,
        "torch": torch.__version__,
        "versions": _versions(),
        "variants": {},
    }
    variants = report["variants"]

    def keep(name: str, figures: dict[str, Any]) -> None:
        """Record a variant and rewrite --out at once: a later timeout loses only the rest."""
        variants[name] = figures
        _write(report, args.out)

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="quillora-chat-", dir=_scratch_dir()) as tmp:
        info = read_run(build_run(args.shape, Path(tmp), device))

        model = load_adapter_model(info, device)
        if not args.skip_baseline:
            keep("baseline_4bit_lora", time_generate(model, prompt, args.new_tokens, device))
        keep("engine_4bit_lora", time_engine(EagerStepper(model), prompt, args.new_tokens, device))
        del model
        if device == "cuda":
            torch.cuda.empty_cache()

        model = load_merged_model(info, device).model
        if not args.skip_baseline:
            keep("baseline_merged_generate", time_generate(model, prompt, args.new_tokens, device))
        keep("engine_merged", time_engine(EagerStepper(model), prompt, args.new_tokens, device))
        if device == "cuda":
            from engine.chat.fast import StaticStepper

            try:
                stepper = StaticStepper(model.get_base_model(), max_cache_len=1024)
                figures = time_engine(stepper, prompt, args.new_tokens, device)
            except Exception as exc:  # report, do not hide: the session falls back too
                figures = {"error": repr(exc)[:500]}
            keep("engine_merged_static_compiled", figures)
        if device == "cuda":
            report["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 1024**3

    engine = {k: v for k, v in variants.items() if k.startswith("engine") and "error" not in v}
    best = max(engine, key=lambda k: engine[k]["tokens_per_s"])
    report["engine_best"] = best
    if "baseline_4bit_lora" in variants:
        report["speedup_vs_baseline_4bit_lora"] = (
            engine[best]["tokens_per_s"] / variants["baseline_4bit_lora"]["tokens_per_s"]
        )
    if "baseline_merged_generate" in variants:
        report["speedup_vs_baseline_merged_generate"] = (
            engine[best]["tokens_per_s"] / variants["baseline_merged_generate"]["tokens_per_s"]
        )
    report["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(report, indent=2))
    _write(report, args.out)


def _write(report: dict[str, Any], out: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _scratch_dir() -> str | None:
    """RAM-backed /dev/shm when it has room for an 8B bf16 model and its adapter (saving and
    loading then cost seconds, not minutes); else the default temporary folder."""
    import shutil

    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > 40 * 2**30:
        return str(shm)
    return None


def _versions() -> dict[str, str]:
    from engine.hardware import package_version

    names = ("torch", "transformers", "peft", "bitsandbytes", "accelerate")
    return {name: version for name in names if (version := package_version(name)) is not None}


if __name__ == "__main__":
    main()
