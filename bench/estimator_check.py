"""The pre-Start estimates against a real run: time of the whole run, and peak memory.

1. A random-weights model in the shape of Llama-3.2-1B (`--shape 1b`, CUDA) or of the demo
   model (`--shape tiny`, runs on the CPU), with the demo's locally trained tokenizer, and
   synthetic prose made from the bundled samples as a JSONL file (no download).
2. The pre-Start estimate exactly as `engine train --dial` derives it before training:
   `engine.data.prepare.prepare_examples` counts the data with the model's tokenizer, and
   `engine.contract.presets.derive` gives the plan, the expected seconds and peak memory.
3. The real run: `python -m engine train --dial quick --no-evaluate` in a child process,
   timed from its start to its end (imports, loading, steps, held-out checks, saving), with
   the peak memory its step_progress events report.
4. `--memory-settings`: two more plans (every layer checkpointed; half of them, shorter rows)
   trained a few steps by the engine's own loop (`engine.train.loop.train`) in this process,
   each peak against `engine.contract.estimates.peak_memory_gib`.

Targets (docs/performance.md): time within 25%, memory within 15%.

    python bench/estimator_check.py --shape tiny
    python bench/estimator_check.py --shape 1b --memory-settings --out $OUT/estimator-1b.json
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.contract.estimates import (  # noqa: E402  (standard library only: cheap)
    DEMO_SHAPE,
    ENGINE_LOSS,
    LLAMA_3_2_1B,
    ModelShape,
    TrainPlan,
    peak_memory_gib,
)

SHAPES = {"tiny": DEMO_SHAPE, "1b": LLAMA_3_2_1B}
# Data sizes that keep the real run short (about half a minute on an H200 for 1b, on 2 CPU
# cores for tiny) while still taking the dial's minimum of 40 steps.
DEFAULT_TOKENS = {"tiny": 20_000, "1b": 500_000}
TIME_TARGET = 0.25
MEMORY_TARGET = 0.15


def build_model(shape: ModelShape, folder: Path, device: str) -> int:
    """Random weights in `shape` with the demo tokenizer; returns the tokenizer's size."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from engine.demo import build_demo_tokenizer, sample_texts

    tokenizer = build_demo_tokenizer(sample_texts())
    if len(tokenizer) > shape.vocab:
        raise SystemExit(f"The demo tokenizer ({len(tokenizer)}) exceeds the shape's vocab.")
    config = LlamaConfig(
        vocab_size=shape.vocab,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        tie_word_embeddings=shape.tied_embeddings,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return len(tokenizer)


def write_data(path: Path, tokens: int, model_folder: Path, seed: int = 0) -> int:
    """JSONL of prose examples re-mixed from the bundled samples' sentences, about `tokens`
    tokens by the model's tokenizer; returns how many examples."""
    from engine.demo import sample_texts
    from engine.modeling import load_tokenizer

    tokenizer = load_tokenizer(model_folder)

    sentences = [
        s.strip() + "."
        for text in sample_texts()
        for s in text.replace("\n", " ").split(".")
        if len(s.split()) >= 4
    ]
    rng = random.Random(seed)
    count, written = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < tokens:
            text = f"Note {count}: " + " ".join(rng.choices(sentences, k=rng.randint(6, 24)))
            out.write(json.dumps({"text": text}) + "\n")
            count += 1
            written += len(tokenizer(text, add_special_tokens=False)["input_ids"])
    return count


def pre_start_estimate(model_folder: Path, data: Path) -> dict[str, Any]:
    """What the engine derives before Start (engine.commands.train._apply_dial's inputs)."""
    from engine.contract.catalog import shape_from_config
    from engine.contract.config import DataSettings, RunConfig
    from engine.contract.presets import derive
    from engine.data.prepare import prepare_examples
    from engine.hardware import gpu_report
    from engine.modeling import load_tokenizer

    tokenizer = load_tokenizer(model_folder)
    prepared = prepare_examples(
        DataSettings(sources=(str(data),)),
        None,
        count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
        seed=RunConfig().training.seed,
    )
    readiness = prepared.report.readiness
    gpus = gpu_report()
    shape = shape_from_config(json.loads((model_folder / "config.json").read_text("utf-8")))
    derived = derive(
        "quick",
        example_count=max(1, readiness.train_examples),
        total_tokens=max(1, readiness.total_tokens),
        gpu_total_gib=gpus[0]["total_gib"] if gpus else None,
        model_shape=shape,
        gpu_name=gpus[0]["name"] if gpus else None,
    )
    training = derived.training
    return {
        "train_examples": readiness.train_examples,
        "total_tokens": readiness.total_tokens,
        "estimated_seconds": derived.estimated_seconds,
        "predicted_peak_gib": derived.peak_memory_gib,
        "predicted_tokens_per_second": derived.tokens_per_second,
        "total_steps": derived.total_steps,
        "plan": {
            "sequence_length": training.sequence_length,
            "micro_batch_size": training.micro_batch_size,
            "gradient_accumulation": training.gradient_accumulation,
            "gradient_checkpointing": training.gradient_checkpointing,
            "checkpointed_layers": training.checkpointed_layers,
            "epochs": training.epochs,
        },
    }


def real_run(model_folder: Path, data: Path, run_dir: Path, timeout: float) -> dict[str, Any]:
    """`python -m engine train` in a child process, timed end to end; its events read back."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env["QUILLORA_DATA_DIR"] = str(run_dir.parent / "data-dir")
    command = [
        sys.executable, "-m", "engine", "train", "--model", str(model_folder),
        "--data", str(data), "--dial", "quick", "--no-evaluate", "--output", str(run_dir),
    ]  # fmt: skip
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as late:  # still a figure: the run took longer than this
        code, stdout, stderr = None, _text(late.stdout), _text(late.stderr)
    seconds = time.perf_counter() - began
    events = []
    for line in stdout.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    steps = [e for e in events if e.get("type") == "step_progress"]
    finished = next((e for e in events if e.get("type") == "finished"), None)
    result: dict[str, Any] = {
        "exit_code": code,
        "timed_out": code is None,
        "wall_seconds": round(seconds, 1),
        "steps": len(steps),
        "finished": finished,
        "peak_gib": max((e["memory_gib"] for e in steps), default=None),
        "median_tokens_per_second": _median([e["tokens_per_second"] for e in steps]),
        "first_loss": steps[0]["loss"] if steps else None,
        "last_loss": steps[-1]["loss"] if steps else None,
    }
    if code != 0 or finished is None:
        result["stderr_tail"] = stderr[-2000:]
        result["stdout_tail"] = stdout[-1000:]
    run_json = run_dir / "run.json"
    if run_json.is_file():
        training = json.loads(run_json.read_text("utf-8")).get("config", {}).get("training", {})
        result["run_training_settings"] = training
    return result


def memory_settings(
    model_folder: Path, data: Path, shape: ModelShape, work: Path, device: str
) -> list[dict[str, Any]]:
    """Two more plans, a few steps each with the engine's loop: measured vs predicted peak."""
    import torch

    from engine.contract.config import DataSettings, LoraSettings, RunConfig, TrainingSettings
    from engine.contract.events import StepProgress
    from engine.data.prepare import prepare_examples
    from engine.emit import Emitter
    from engine.run_folder import RunFolder
    from engine.train.loop import train

    examples = prepare_examples(DataSettings(sources=(str(data),)), None).train
    long_rows = 2048 if device == "cuda" else 256
    plans = [
        ("all layers checkpointed", TrainPlan(long_rows, 4, 16, True, ENGINE_LOSS)),
        (
            "half the layers checkpointed, shorter rows",
            TrainPlan(
                long_rows // 2, 8, 16, True, ENGINE_LOSS, checkpointed_layers=shape.layers // 2
            ),
        ),
    ]
    results = []
    for index, (name, plan) in enumerate(plans):
        layers = plan.recomputed(shape)
        config = RunConfig(
            lora=LoraSettings(rank=plan.lora_rank, alpha=2 * plan.lora_rank, dropout=0.0),
            training=TrainingSettings(
                max_steps=3,
                sequence_length=plan.sequence_length,
                micro_batch_size=plan.micro_batch,
                gradient_accumulation=1,
                gradient_checkpointing=True,
                checkpointed_layers=layers,
                eval_every=100,
                checkpoint_every=100,
            ),
        )
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        run = RunFolder(work / f"memory-{index}").create()
        emitter = Emitter(stream=io.StringIO(), pretty=False)
        began = time.perf_counter()
        outcome = train(
            config, model_folder, examples, [], run, emitter, checkpointed_layers=layers
        )
        seconds = time.perf_counter() - began
        measured = [e.memory_gib for e in emitter.history if isinstance(e, StepProgress)]
        predicted = peak_memory_gib(shape, plan)
        peak = max(measured) if measured else None
        results.append(
            {
                "setting": name,
                "sequence_length": plan.sequence_length,
                "micro_batch": plan.micro_batch,
                "checkpointed_layers": layers,
                "steps": outcome.finished.steps,
                "seconds": round(seconds, 1),
                "predicted_peak_gib": round(predicted, 2),
                "peak_gib": peak,
                "ratio": _ratio(peak, predicted) if device == "cuda" else None,
            }
        )
        del outcome
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--tokens", type=int, help="approximate tokens of training data")
    parser.add_argument("--memory-settings", action="store_true", help="two more plans")
    parser.add_argument("--timeout", type=float, default=300.0, help="for the real run, s")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.shape != "tiny" and device != "cuda":
        parser.error("the 1b shape needs a CUDA GPU; use --shape tiny on the CPU")
    shape = SHAPES[args.shape]
    report: dict[str, Any] = {
        "benchmark": "estimator",
        "shape": args.shape,
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "targets": {"time_within": TIME_TARGET, "memory_within": MEMORY_TARGET},
    }
    scratch = None  # RAM-backed /dev/shm when it has room for the 1B model (2.5 GB) and run
    if device == "cuda" and Path("/dev/shm").is_dir():
        scratch = "/dev/shm" if shutil.disk_usage("/dev/shm").free > 8 * 2**30 else None
    with tempfile.TemporaryDirectory(prefix="quillora-estimate-", dir=scratch) as tmp:
        work = Path(tmp)
        folder = work / "model"
        report["tokenizer_size"] = build_model(shape, folder, device)
        data = work / "notes.jsonl"
        tokens = args.tokens or DEFAULT_TOKENS[args.shape]
        report["examples_written"] = write_data(data, tokens, folder)
        estimate = pre_start_estimate(folder, data)
        report["estimate"] = estimate
        _write(report, args.out)
        run = real_run(folder, data, work / "run", args.timeout)
        report["run"] = run
        report["time_ratio"] = _ratio(run["wall_seconds"], estimate["estimated_seconds"])
        if device == "cuda":
            report["memory_ratio"] = _ratio(run["peak_gib"], estimate["predicted_peak_gib"])
        _write(report, args.out)
        if args.memory_settings:
            report["memory_settings"] = memory_settings(folder, data, shape, work, device)
    report["time_within_target"] = _within(report.get("time_ratio"), TIME_TARGET)
    ratios = [report.get("memory_ratio")] + [s["ratio"] for s in report.get("memory_settings", [])]
    if device == "cuda":
        report["memory_within_target"] = all(_within(r, MEMORY_TARGET) for r in ratios)
    print(json.dumps(report, indent=1))
    _write(report, args.out)
    return 0 if run["exit_code"] == 0 else 1


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _ratio(measured: float | None, predicted: float | None) -> float | None:
    """Measured over predicted (1.0: exact)."""
    if measured is None or not predicted:
        return None
    return round(measured / predicted, 3)


def _within(ratio: float | None, tolerance: float) -> bool:
    return ratio is not None and abs(ratio - 1.0) <= tolerance


def _write(report: dict[str, Any], out: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
