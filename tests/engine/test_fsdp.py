"""The engine under `accelerate launch` with FSDP on 2 CPU processes (gloo): the sharded loop.

One run of the real command with the server folder's FSDP config (engine.server), changed
only where the CPU needs it (no CPU-RAM-efficient loading, which needs a GPU to broadcast
from, and no offload). It must give one events stream, a falling loss, a checkpoint written
by process 0, an adapter that plain peft loads and that changes the base's logits, and the
same losses as the plain loop on one process (FSDP averages gradients, the loop sums them).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

from engine.contract.events import (
    CheckpointSaved,
    Evaluation,
    Failed,
    Finished,
    Log,
    StepProgress,
    parse_line,
)
from engine.server.accelerate_config import fsdp_qlora, write_config
from engine.train.checkpoint import MARKER
from tests.engine.test_accelerate import _free_port
from tests.engine.train_helpers import examples, launch_settings

ROOT = Path(__file__).resolve().parents[2]
STEPS = 10


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _cpu_config(folder: Path) -> Path:
    config = fsdp_qlora(2)
    config["fsdp_config"] |= {
        "fsdp_cpu_ram_efficient_loading": False,  # accelerate: needs a GPU to broadcast from
        "fsdp_sync_module_states": False,
        "fsdp_offload_params": False,
    }
    return write_config(folder / "fsdp-cpu.yaml", config)


@pytest.mark.timeout(180)
def test_fsdp_on_two_cpu_processes_matches_one_process_and_saves_an_adapter(
    tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "brand.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(40):
            writer.writerow([f"{example.source}: write a post.", example.response])
    run_dir = tmp_path / "run"
    train = ["-m", "engine", "train", "--model", "tiny-test", "--data", str(data)]
    train += ["--config", str(launch_settings(tmp_path, STEPS, every=5))]
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file"]
    launch += [str(_cpu_config(tmp_path)), "--main_process_port", str(_free_port())]
    done = _run([*launch, *train, "--output", str(run_dir)])
    one = _run([sys.executable, *train, "--output", str(tmp_path / "one"), "--no-evaluate"])
    events = [parse_line(line) for line in done.stdout.splitlines()]

    steps = [e for e in events if isinstance(e, StepProgress)]
    assert [e.step for e in steps] == list(range(1, STEPS + 1))  # process 0's stream only
    losses = [e.loss for e in steps]
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3
    alone = [e for e in map(parse_line, one.stdout.splitlines()) if isinstance(e, StepProgress)]
    # Measured: losses within 1e-3 and gradient norms within 0.5% (float summation order).
    # Gradients averaged over the processes instead of summed would halve the norms (Adam
    # alone hides a scale, so the losses could still agree).
    assert max(abs(a.loss - b.loss) for a, b in zip(steps, alone, strict=True)) < 0.01
    assert all(abs(a.grad_norm / b.grad_norm - 1) < 0.02 for a, b in zip(steps, alone, strict=True))
    checks = [e.heldout_loss for e in events if isinstance(e, Evaluation)]
    assert len(checks) == 3 and checks[-1] < checks[0]
    saved = [e for e in events if isinstance(e, CheckpointSaved)]
    assert [e.step for e in saved] == [5]
    checkpoint = Path(saved[0].path)
    assert (checkpoint / MARKER).is_file()
    assert len(load_file(str(checkpoint / "adapter" / "adapter_model.safetensors"))) == 28
    assert (checkpoint / "optimizer.pt").is_file()
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.steps == STEPS and finished.processes == 2
    assert any(isinstance(e, Log) and "FSDP" in e.message for e in events)  # check skipped
    assert json.loads((run_dir / "run.json").read_text())["state"] == "max_steps"

    _adapter_changes_the_base(tiny_model, run_dir)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QUILLORA_CPU_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=150,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def _adapter_changes_the_base(tiny_model: Path, run_dir: Path) -> None:
    """Plain transformers + peft load the adapter, every LoRA weight of it, and it moves the
    base model's logits."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32,
    )
    base = AutoModelForCausalLM.from_pretrained(
        tiny_model, quantization_config=quantization, dtype=torch.float32, device_map="cpu"
    ).eval()
    saved = load_file(str(run_dir / "adapter" / "adapter_model.safetensors"))
    ids = torch.tensor([[5, 40, 41, 42, 43, 44, 45, 46]])
    with torch.no_grad():
        tuned = PeftModel.from_pretrained(base, run_dir / "adapter").eval()
        lora_b = [v for k, v in saved.items() if "lora_B" in k]
        # 2 layers x 7 linear layers, A and B each; B starts at zero, so trained B is not.
        assert len(saved) == 28 and all(float(v.abs().max()) > 0 for v in lora_b)
        tuned_logits = tuned(input_ids=ids).logits.float()
        with tuned.disable_adapter():
            base_logits = tuned(input_ids=ids).logits.float()
    assert float((tuned_logits - base_logits).abs().max()) > 1e-2


@pytest.mark.timeout(120)
@pytest.mark.skipif(_has_cuda(), reason="the folder's FSDP config is meant for GPUs")
def test_the_gpu_fsdp_config_on_a_cpu_stops_with_a_plain_message(tmp_path: Path) -> None:
    """accelerate refuses the folder's FSDP settings without a GPU: the user gets a typed,
    worded error, not an internal error."""
    config = write_config(tmp_path / "fsdp-qlora.yaml", fsdp_qlora(2))
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config)]
    command += ["--main_process_port", str(_free_port()), "-m", "engine", "train"]
    command += ["--model", "tiny-test", "--data", str(tmp_path), "--output", str(tmp_path / "run")]
    env = dict(os.environ, QUILLORA_CPU_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=100,
    )  # fmt: skip
    assert done.returncode != 0
    failed = [e for e in map(parse_line, done.stdout.splitlines()) if isinstance(e, Failed)]
    assert failed and failed[0].kind.value == "bad_config", done.stdout[-2000:]
    assert "./launch.sh" in failed[0].message
