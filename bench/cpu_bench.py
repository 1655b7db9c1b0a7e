"""CPU-side benchmarks: the GUI's first window, the offline demo run, preparing a big CSV.

Targets (docs/performance.md, issue 12), on 2 cores: first window under 1.5 s;
the real demo (SmolLM2-135M-Instruct) from "Try the demo" to the first tuned reply within
3 minutes, evaluation included (training, evaluation, then `engine chat` on the run: its first
token under 1 s, at least 15 tokens/s), at least 15 tokens/s of training; the tiny test
model's run under 20 s; a 50,000-row CSV prepared in under 30 s. Each figure is the median
of `--runs` fresh processes (the long ones run `--long-runs` times). Every run uses a
temporary data folder, so nothing of the user's is touched; the demo's one-time conversion
is shared between runs (the first run includes it). The load average before and after is
recorded: on a shared machine other work takes the cores, and the figures say so.

    python bench/cpu_bench.py            # prints JSON, saves bench/results/cpu-<date>.json
    taskset -c 0,1 python bench/cpu_bench.py --only demo --long-runs 3   # 2 cores, median of 3
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORDS = ("tea", "kettle", "harbour", "fog", "steep", "slow", "morning", "leaf", "smoke",
         "sweet", "green", "quiet", "order", "weekend", "shop", "crew", "blend", "cup")  # fmt: skip


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"QUILLORA_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen", **extra})
    return env


def first_window_seconds(runs: int) -> dict[str, Any]:
    """`python -m gui` with QUILLORA_EXIT_AFTER_SHOW=1: process start to first paint."""
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            env = _env(Path(tmp), QUILLORA_EXIT_AFTER_SHOW="1", QUILLORA_T0=repr(time.time()))
            done = subprocess.run(
                [PYTHON, "-m", "gui"], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            line = [x for x in done.stdout.splitlines() if x.startswith("first_window_seconds=")]
            if done.returncode != 0 or not line:
                return {"error": (done.stderr or done.stdout)[-600:], "samples": samples}
            samples.append(float(line[-1].split("=")[1]))
    return _summary(samples, target=1.5)


def demo_run_seconds(runs: int, model: str = "demo", target: float = 180.0) -> dict[str, Any]:
    """`python -m engine train --model M --dial quick` on the bundled samples, evaluation
    included, then (for the demo) the first tuned reply through `engine chat`: the "Try the
    demo" path (its button sets the dial to quick)."""
    samples, rates, chats = [], [], []
    cache = Path(tempfile.mkdtemp(prefix="quillora-bench-cache-"))
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "cache").symlink_to(cache, target_is_directory=True)
            command = [
                PYTHON, "-m", "engine", "train", "--model", model, "--dial", "quick",
                "--data", str(ROOT / "assets" / "samples" / "brand_voice.csv"),
                "--text-column", "text", "--prompt-column", "prompt",
                "--output", str(Path(tmp) / "run"),
            ]  # fmt: skip
            began = time.perf_counter()
            done = subprocess.run(
                command, cwd=ROOT, env=_env(Path(tmp)), capture_output=True, text=True,
                timeout=3600, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            events = _events(done.stdout)
            finished = [e for e in events if e.get("type") == "finished"]
            if done.returncode != 0 or not finished:
                return {"error": (done.stderr or done.stdout)[-600:], "samples": samples}
            steps = [e["tokens_per_second"] for e in events if e.get("type") == "step_progress"]
            rates.append(statistics.median(steps[1:] or steps))
            if model == "demo":
                chat = first_reply(Path(tmp) / "run", Path(tmp))
                chats.append(chat)
                seconds = time.perf_counter() - began
            else:
                seconds = time.perf_counter() - began
            samples.append(round(seconds, 2))
    result = _summary(samples, target=target)
    result["model"] = model
    result["train_tokens_per_second"] = round(statistics.median(rates), 1)
    if chats:
        result["chat"] = {
            key: round(statistics.median(c[key] for c in chats), 2)
            for key in ("load_seconds", "first_token_seconds", "tokens_per_second")
        }
        result["chat"]["targets"] = {"first_token_seconds": 1.0, "tokens_per_second": 15.0}
    result["steps"] = finished[-1].get("steps")
    result["final_loss"] = finished[-1].get("final_loss")
    result["predicted_seconds"] = _predicted_demo_seconds(_events(done.stdout))
    return result


def first_reply(run: Path, data_dir: Path) -> dict[str, float]:
    """`python -m engine chat --run RUN`: one request, as the Try it page sends it."""
    sys.path.insert(0, str(ROOT))
    from engine.contract.chat_protocol import GenerateRequest, Message, QuitRequest, to_line

    prompt = "Write a product blurb for Night Watch, our malty black tea."
    request = GenerateRequest(
        id="bench", messages=(Message("user", prompt),), temperature=0.7, top_p=0.9,
        max_new_tokens=80, seed=7,
    )  # fmt: skip
    process = subprocess.Popen(
        [PYTHON, "-m", "engine", "chat", "--run", str(run)], cwd=ROOT, env=_env(data_dir),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(to_line(request) + "\n")
    process.stdin.flush()
    ready: dict[str, Any] = {}
    for line in process.stdout:
        event = _events(line)[0] if _events(line) else {}
        if event.get("type") == "chat_ready":
            ready = event
        if event.get("type") == "chat_done":
            process.stdin.write(to_line(QuitRequest()) + "\n")
            process.stdin.flush()
            process.wait(timeout=60)
            return {
                "load_seconds": ready.get("load_seconds", float("nan")),
                "first_token_seconds": event["first_token_seconds"],
                "tokens_per_second": event["new_tokens"] / max(event["seconds"], 1e-6),
            }
    raise RuntimeError("engine chat ended without a reply")


def _predicted_demo_seconds(events: list[dict[str, Any]]) -> float | None:
    """The pre-Start estimate (estimates.estimate_run_seconds) for the run just measured."""
    sys.path.insert(0, str(ROOT))
    from engine.contract.estimates import DEMO_SHAPE, TrainPlan, estimate_run_seconds

    data = next((e for e in events if e.get("type") == "data_prepared"), None)
    steps = [e for e in events if e.get("type") == "step_progress"]
    evaluations = sum(1 for e in events if e.get("type") == "evaluation")
    if data is None or not steps:
        return None
    epochs = float(steps[-1].get("epoch") or 1.0)
    train_share = data["train_examples"] / max(1, data["examples"])
    train_tokens = int(data["total_tokens"] * train_share)
    heldout_tokens = data["total_tokens"] - train_tokens
    plan = TrainPlan(sequence_length=512, micro_batch=1, gradient_checkpointing=False)
    seconds = estimate_run_seconds(
        train_tokens, epochs, "CPU", DEMO_SHAPE, plan, heldout_tokens, evaluations
    )
    return round(seconds, 1)


def prepare_csv_seconds(rows: int, runs: int) -> dict[str, Any]:
    """engine.data.prepare.prepare_examples on a generated CSV, in a fresh process."""
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        _write_csv(path, rows)
        script = (
            "import time,sys; t=time.perf_counter();"
            "from engine.contract.config import DataSettings;"
            "from engine.data.prepare import prepare_examples;"
            f"p=prepare_examples(DataSettings(sources=({str(path)!r},), text_column='text',"
            " prompt_column='prompt'));"
            "print('seconds', time.perf_counter()-t, 'train', len(p.train))"
        )
        for _ in range(runs):
            began = time.perf_counter()
            done = subprocess.run(
                [PYTHON, "-c", script], cwd=ROOT, env=_env(Path(tmp)), capture_output=True,
                text=True, timeout=600,
            )  # fmt: skip
            if done.returncode != 0:
                return {"error": done.stderr[-600:], "samples": samples}
            samples.append(round(time.perf_counter() - began, 2))
    result = _summary(samples, target=30.0)
    result["rows"] = rows
    return result


def _write_csv(path: Path, rows: int) -> None:
    rng = random.Random(0)
    words = WORDS
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for index in range(rows):
            length = max(8, int(rng.lognormvariate(3.8, 0.6)))
            text = " ".join(rng.choice(words) for _ in range(length)).capitalize() + "."
            writer.writerow([f"Write post number {index} about {rng.choice(words)}.", text])


def _events(stdout: str) -> list[dict[str, Any]]:
    events = []
    for line in stdout.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def _summary(samples: list[float], target: float) -> dict[str, Any]:
    median = statistics.median(samples)
    return {"median_seconds": round(median, 3), "samples": samples, "target_seconds": target,
            "meets_target": median < target}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="first-window runs (median)")
    parser.add_argument("--long-runs", type=int, default=1, help="demo and CSV runs (median)")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", default="window,tiny,demo,csv")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    report: dict[str, Any] = {
        "benchmark": "cpu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    if "window" in only:
        report["first_window"] = first_window_seconds(args.runs)
    report["load_average_before"] = os.getloadavg()
    if "tiny" in only:
        report["tiny_test_run"] = demo_run_seconds(args.long_runs, "tiny-test", target=20.0)
    if "demo" in only:
        report["demo_run"] = demo_run_seconds(args.long_runs)
    if "csv" in only:
        report["prepare_csv"] = prepare_csv_seconds(args.rows, args.long_runs)
    report["load_average_after"] = os.getloadavg()
    text = json.dumps(report, indent=1)
    print(text)
    out = args.out or ROOT / "bench" / "results" / f"cpu-{datetime.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
