"""Atomic, resumable checkpoints: checkpoints/step-N/.

Everything is written into a temporary sibling folder; the marker file is written last and
the folder is then renamed into place, so a crash or a full disk never leaves a checkpoint
that looks complete but is not. Only the last `KEEP` complete checkpoints are kept.

A checkpoint holds the adapter, the optimizer state, the RNG states and `state.json` (the
step, which is also the learning-rate schedule's whole state and the data position, the
micro-batch split, the early-stopping counters and a fingerprint of the data).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.safety.atomic import DISK_FULL_ERRNOS
from engine.safety.faults import pause_point
from engine.train.faults import Faults

MARKER = "COMPLETE"
KEEP = 2


@dataclass
class TrainerState:
    """What the loop needs, besides weights and optimizer, to continue exactly."""

    step: int = 0  # optimizer steps done; the next step to run has this index
    micro_batch_size: int = 1
    best_heldout_loss: float | None = None
    evals_without_improvement: int = 0
    last_loss: float = 0.0
    data_fingerprint: str = ""
    total_steps: int = 0
    seconds: float = 0.0
    tokens_seen: int = 0  # real tokens trained on so far, over all processes
    loss_history: list[list[float]] = field(default_factory=list)  # [step, loss]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainerState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def step_dir(checkpoints: Path, step: int) -> Path:
    return checkpoints / f"step-{step}"


def complete_checkpoints(checkpoints: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    if not checkpoints.is_dir():
        return []
    found = [
        p
        for p in checkpoints.iterdir()
        if p.is_dir() and p.name.startswith("step-") and (p / MARKER).is_file()
    ]
    return sorted(found, key=lambda p: int(p.name.split("-", 1)[1]))


def latest_checkpoint(checkpoints: Path) -> Path | None:
    found = complete_checkpoints(checkpoints)
    return found[-1] if found else None


def save_checkpoint(
    checkpoints: Path,
    model: Any,
    optimizer: Any,
    state: TrainerState,
    faults: Faults | None = None,
) -> Path:
    """Write checkpoint step-<state.step>; raise DISK_FULL (keeping older ones) if it won't fit."""
    import torch

    checkpoints.mkdir(parents=True, exist_ok=True)
    final = step_dir(checkpoints, state.step)
    if (final / MARKER).is_file():
        # This step is already saved complete (a stop right after a resume): rewriting it
        # would delete the only good copy for a moment, and a crash then would lose it.
        return final
    staging = checkpoints / f".tmp-step-{state.step}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        model.save_pretrained(staging / "adapter")
        if faults is not None:
            faults.maybe_enospc(state.step)
        torch.save(optimizer.state_dict(), staging / "optimizer.pt")
        rng: dict[str, Any] = {"cpu": torch.random.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        torch.save(rng, staging / "rng.pt")
        (staging / "state.json").write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
        pause_point("checkpoint_before_marker")  # test hook (engine.safety.faults), inert
        (staging / MARKER).write_text("ok\n", encoding="utf-8")
        pause_point("checkpoint_before_rename")
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in DISK_FULL_ERRNOS:
            raise EngineError(
                ErrorKind.DISK_FULL,
                "The disk is full, so the latest checkpoint could not be saved. Free some "
                "space and resume the run; the previous checkpoint is intact.",
                f"{exc} (while writing {final})",
            ) from exc
        raise
    for old in complete_checkpoints(checkpoints)[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in checkpoints.glob(".tmp-step-*"):  # half-written by a killed earlier process
        shutil.rmtree(stale, ignore_errors=True)
    return final


def load_checkpoint(folder: Path, model: Any, optimizer: Any) -> TrainerState:
    """Restore adapter weights, optimizer and RNG states from `folder`; return its state."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = load_file(str(folder / "adapter" / "adapter_model.safetensors"))
    set_peft_model_state_dict(model, weights)
    device = next(p for p in model.parameters() if p.requires_grad).device
    optimizer.load_state_dict(torch.load(folder / "optimizer.pt", map_location=device))
    rng = torch.load(folder / "rng.pt", weights_only=True)
    torch.random.set_rng_state(rng["cpu"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return TrainerState.from_dict(json.loads((folder / "state.json").read_text(encoding="utf-8")))


def resume_state(
    checkpoints: Path, model: Any, optimizer: Any, data_fingerprint: str
) -> TrainerState:
    """Load the latest complete checkpoint, refusing one made from other data or settings."""
    folder = latest_checkpoint(checkpoints)
    if folder is None:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            "This run has no complete checkpoint to continue from; start a new run instead.",
            str(checkpoints),
        )
    state = load_checkpoint(folder, model, optimizer)
    if state.data_fingerprint != data_fingerprint:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            "The training data or settings changed since this run started, so it cannot "
            "continue where it stopped. Start a new run with the new data.",
            f"checkpoint {folder.name}",
        )
    return state


def fingerprint(train_set: list[Any], heldout: list[Any], plan: Any) -> str:
    """A hash of the token stream and step plan: resuming needs exactly the same ones."""
    digest = hashlib.sha256()
    for group in (train_set, heldout):
        for example in group:
            digest.update(json.dumps([example.input_ids, example.labels]).encode())
    digest.update(json.dumps(plan).encode())
    return digest.hexdigest()[:16]
