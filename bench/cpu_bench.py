"""CPU-side benchmarks: the GUI's first window, the offline demo run, preparing a big CSV.

Targets (docs/performance.md): first window under 1.5 s, the demo trains in
under a minute on 2 cores, a 50,000-row CSV is prepared in under 30 s. Each figure is the
median of `--runs` fresh processes (the demo and the CSV run once each by default: they are
long). Every run uses a temporary data folder, so nothing of the user's is touched.

    python bench/cpu_bench.py            # prints JSON, saves bench/results/cpu-<date>.json
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


def demo_run_seconds(runs: int) -> dict[str, Any]:
    """`python -m engine train --model demo` on the bundled samples, cold (builds the demo)."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            command = [
                PYTHON, "-m", "engine", "train", "--model", "demo",
                "--data", str(ROOT / "assets" / "samples" / "brand_voice.csv"),
                "--text-column", "text", "--prompt-column", "prompt",
                "--output", str(Path(tmp) / "run"),
            ]  # fmt: skip
            began = time.perf_counter()
            done = subprocess.run(
                command, cwd=ROOT, env=_env(Path(tmp)), capture_output=True, text=True,
                timeout=600, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            seconds = time.perf_counter() - began
            finished = [e for e in _events(done.stdout) if e.get("type") == "finished"]
            if done.returncode != 0 or not finished:
                return {"error": (done.stderr or done.stdout)[-600:], "samples": samples}
            samples.append(round(seconds, 2))
    result = _summary(samples, target=60.0)
    result["steps"] = finished[-1].get("steps")
    result["final_loss"] = finished[-1].get("final_loss")
    result["predicted_seconds"] = _predicted_demo_seconds(_events(done.stdout))
    return result


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
    parser.add_argument("--only", default="window,demo,csv")
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
    if "demo" in only:
        report["demo_run"] = demo_run_seconds(args.long_runs)
    if "csv" in only:
        report["prepare_csv"] = prepare_csv_seconds(args.rows, args.long_runs)
    text = json.dumps(report, indent=1)
    print(text)
    out = args.out or ROOT / "bench" / "results" / f"cpu-{datetime.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
