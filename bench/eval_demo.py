"""The demo run's evaluation, end to end: train, evaluate base versus tuned, write the card.

    python bench/eval_demo.py [--max-steps N] [--data FILES...] [--keep DIR]

Trains the offline demo model on the bundled samples with the real engine command
(`python -m engine train --model demo`), then runs engine.eval.compare.evaluate_run_dir on
the finished run (held-out perplexity and style score, base versus tuned; evaluation.json)
and engine.model_card.write_model_card. Prints JSON with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATA = [str(ROOT / "assets" / "samples" / "brand_voice.csv")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--data", nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, default=None, help="run folder to keep")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    args = parser.parse_args()

    from engine.eval.compare import evaluate_run_dir
    from engine.model_card import write_model_card

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="quillora-eval-demo-"))
    run_dir = workdir / "run"
    command = [sys.executable, "-m", "engine", "train", "--model", "demo", "--output", str(run_dir)]
    command += ["--data", *args.data, "--text-column", "text", "--prompt-column", "prompt"]
    if args.max_steps:
        command += ["--max-steps", str(args.max_steps)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env={**os.environ}, check=False
    )
    train_seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"training failed ({done.returncode})")
    started = time.perf_counter()
    result = evaluate_run_dir(run_dir, max_new_tokens=args.max_new_tokens)
    card = write_model_card(run_dir)
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    print(
        json.dumps(
            {
                "benchmark": "eval_demo",
                "run_dir": str(run_dir),
                "train_seconds": round(train_seconds, 1),
                "eval_seconds": round(time.perf_counter() - started, 1),
                "train_result": run.get("result"),
                "heldout_examples": result["heldout_examples"],
                "perplexity": result.get("perplexity"),
                "style": {k: result.get("style", {}).get(k) for k in ("base", "tuned")},
                "summary": result.get("summary"),
                "model_card": str(card),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
