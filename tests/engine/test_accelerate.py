"""The engine under `accelerate launch` with 2 processes on the CPU (MULTI_CPU over gloo).

One test, the real command twice: a run whose second process is killed mid-run (the run ends
with PROCESS_LOST and the last checkpoint intact), then the same run resumed to the end. Both
launches must give one events stream (process 0's), a falling loss, and an adapter that plain
peft loads with the same logits as the app's chat.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from engine.contract.events import Event, Failed, Finished, RunStarted, StepProgress, parse_line
from engine.train.checkpoint import MARKER, latest_checkpoint
from tests.engine.train_helpers import examples, launch_settings

ROOT = Path(__file__).resolve().parents[2]
STEPS = 12
KILL_AFTER_STEP = 6


def _free_port() -> int:
    with socket.socket() as probe:  # other test sessions on this machine use torchrun too
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu"]
    command += ["--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no"]
    command += ["--dynamo_backend", "no", "--main_process_port", str(_free_port())]
    command += ["-m", "engine", "train", *args]
    env = dict(os.environ, QUILLORA_CPU_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _process_with_rank(launcher: int, rank: int) -> int:
    """The pid of the engine process torchrun started as `rank`."""
    import psutil

    for child in psutil.Process(launcher).children(recursive=True):
        try:
            if child.environ().get("RANK") == str(rank) and "engine" in child.cmdline():
                return int(child.pid)
        except psutil.Error:
            continue
    raise AssertionError(f"no process with rank {rank}")


def _events(stdout: str) -> list[Event]:
    return [parse_line(line) for line in stdout.splitlines()]  # every line, or it fails


@pytest.mark.timeout(240)
def test_two_processes_train_survive_a_lost_process_and_resume(
    tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "brand.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(48):
            writer.writerow([f"{example.source}: write a post.", example.response])
    run_dir = tmp_path / "run"

    # 1. Two processes; the second is killed once step 6 is done.
    first = _launch("--model", "tiny-test", "--data", str(data), "--output", str(run_dir),
                    "--config", str(launch_settings(tmp_path, STEPS, every=4)), "--no-evaluate")  # fmt: skip
    assert first.stdout is not None
    lines = []
    for line in first.stdout:
        lines.append(line)
        event = parse_line(line)
        if isinstance(event, StepProgress) and event.step == KILL_AFTER_STEP:
            os.kill(_process_with_rank(first.pid, 1), signal.SIGKILL)
    _, stderr = first.communicate(timeout=90)
    assert first.returncode != 0, stderr[-2000:]
    events = _events("".join(lines))
    assert isinstance(events[0], RunStarted)
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind.value == "process_lost", stderr[-3000:]
    steps = [e.step for e in events if isinstance(e, StepProgress)]
    assert steps == list(range(1, steps[-1] + 1))  # one stream: each step once, in order
    record = json.loads((run_dir / "run.json").read_text())
    assert record["state"] == "failed" and record["processes"] == 2
    kept = latest_checkpoint(run_dir / "checkpoints")
    assert kept is not None and (kept / MARKER).is_file()
    assert (kept / "adapter" / "adapter_model.safetensors").is_file()
    resumed_from = int(kept.name.split("-")[1])
    assert 4 <= resumed_from <= steps[-1]

    # 2. The same run resumed, again on two processes.
    second = _launch("--resume", str(run_dir), "--no-evaluate")
    stdout, stderr = second.communicate(timeout=150)
    assert second.returncode == 0, stderr[-3000:]
    resumed = _events(stdout)
    assert isinstance(resumed[0], RunStarted) and resumed[0].resumed_from_step == resumed_from
    assert [e.step for e in resumed if isinstance(e, StepProgress)] == list(
        range(resumed_from + 1, STEPS + 1)
    )
    finished = resumed[-1]
    assert isinstance(finished, Finished) and finished.steps == STEPS
    assert finished.processes == 2 and finished.tokens_seen > 0
    losses = [e.loss for e in events + resumed if isinstance(e, StepProgress)]
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3
    # Process 0 alone wrote the log: both launches' events, nothing twice.
    assert len((run_dir / "events.jsonl").read_text().splitlines()) == len(events) + len(resumed)
    assert "Training processes: 2" in (run_dir / "model-card.md").read_text()

    _adapter_matches_the_chat(tiny_model, run_dir)


def _adapter_matches_the_chat(tiny_model: Path, run_dir: Path) -> None:
    """Plain transformers + peft (as anyone would load it) gives the chat's logits, unlike the
    base model alone."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from engine.chat.loading import load_adapter_model
    from engine.chat.run_info import read_run

    ids = torch.tensor([[5, 40, 41, 42, 43, 44, 45, 46]])
    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32,  # what the chat computes in on the CPU
    )
    base = AutoModelForCausalLM.from_pretrained(
        tiny_model, quantization_config=quantization, dtype=torch.float32, device_map="cpu"
    ).eval()
    with torch.no_grad():
        plain = PeftModel.from_pretrained(base, run_dir / "adapter").eval()
        plain_logits = plain(input_ids=ids).logits.float()
        with plain.disable_adapter():
            base_logits = plain(input_ids=ids).logits.float()
        chat = load_adapter_model(read_run(run_dir), "cpu")
        chat_logits = chat(input_ids=ids).logits.float()
    assert float((plain_logits - chat_logits).abs().max()) < 1e-4
    assert float((plain_logits - base_logits).abs().max()) > 1e-2
