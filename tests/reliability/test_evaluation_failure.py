"""A finished run stays finished: an error in the base-versus-tuned evaluation, which runs
after the adapter is saved, is reported in its own event and noted in evaluation.json; the
run still ends with `finished`, and the run page and the model card say what is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets" / "samples" / "brand_voice.csv"


def test_an_out_of_memory_in_the_evaluation_leaves_a_finished_run(
    tmp_path: Path, tiny_model: Path
) -> None:
    run = tmp_path / "run"
    env = dict(os.environ, QUILLORA_CPU_THREADS="1", QUILLORA_TEST_FAULTS="oom_in_evaluation=1")
    done = subprocess.run(
        [sys.executable, "-m", "engine", "train", "--model", str(tiny_model), "--data",
         str(SAMPLES), "--output", str(run), "--max-steps", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    types = [event["type"] for event in events]
    assert types[-1] == "finished" and "failed" not in types
    assert events[-1]["reason"] != "failed"
    reports = [e for e in events if e["type"] == "report" and e["name"] == "evaluation"]
    assert len(reports) == 1
    error = reports[0]["body"]["error"]
    assert error["kind"] == "out_of_gpu_memory" and "OutOfMemoryError" in error["detail"]
    assert "ran out of memory" in reports[0]["body"]["note"]

    assert (run / "adapter" / "adapter_model.safetensors").is_file()
    state = json.loads((run / "run.json").read_text())["state"]
    assert state == events[-1]["reason"]
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert "perplexity" not in evaluation and "did not finish" in evaluation["note"]
    card = (run / "model-card.md").read_text()
    assert "did not finish (it ran out of memory)" in card

    from gui.steps.runs.report import load_report

    report = load_report(run)
    assert not report.has_evaluation
    assert "did not finish (it ran out of memory)" in report.eval_note
    assert "you can try it and share it" in report.eval_note
