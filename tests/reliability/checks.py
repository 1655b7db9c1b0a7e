"""Assertions every fault test shares: what a run folder may contain after any crash."""

from __future__ import annotations

import json
from pathlib import Path

from engine.train.checkpoint import MARKER, latest_checkpoint


def assert_checkpoints_sound(run_dir: Path) -> int:
    """Every visible step-N checkpoint is complete and loadable; returns the latest step.

    Half-written checkpoints may exist only as hidden `.tmp-step-N` staging folders, which
    resuming ignores.
    """
    import torch
    from safetensors.torch import load_file

    folder = run_dir / "checkpoints"
    latest = 0
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith(".tmp-step-"):
                continue
            assert child.name.startswith("step-"), f"unexpected {child}"
            assert (child / MARKER).is_file(), f"{child} is visible but has no {MARKER} marker"
            step = int(child.name.split("-", 1)[1])
            state = json.loads((child / "state.json").read_text(encoding="utf-8"))
            assert state["step"] == step
            weights = load_file(str(child / "adapter" / "adapter_model.safetensors"))
            assert weights and all("lora_" in k for k in weights)
            torch.load(child / "optimizer.pt", weights_only=True)
            torch.load(child / "rng.pt", weights_only=True)
            latest = max(latest, step)
    found = latest_checkpoint(folder)
    assert (int(found.name.split("-")[1]) if found else 0) == latest
    return latest


def assert_adapter_loads(adapter_dir: Path, base_model: Path) -> None:
    """The final adapter is a valid PEFT adapter for the base model (loads with peft)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_model, trust_remote_code=False)
    model = PeftModel.from_pretrained(base, str(adapter_dir))
    lora = [n for n, _ in model.named_parameters() if "lora_" in n]
    assert lora, "no LoRA weights in the adapter"
