"""The training loop, top to bottom: tokenizer, 4-bit model, LoRA, plan, steps, save.

Everything a run must get right is visible here: packed rows without cross-attention,
loss only on what the model should write, warm-up + cosine learning rate, gradient
accumulation, clipping, held-out evaluation with early stopping, atomic checkpoints,
pause / stop / cancel between steps, halving the micro-batch on out-of-memory, and stopping
on a diverged (NaN) loss with the last good checkpoint kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.contract.config import RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import (
    CheckpointSaved,
    DataPrepared,
    Evaluation,
    Finished,
    FinishReason,
    MicroBatchReduced,
    Paused,
    Resumed,
    StepProgress,
)
from engine.data.examples import Example
from engine.emit import Emitter
from engine.modeling import (
    attach_lora,
    choose_placement,
    configure_cpu_threads,
    load_4bit_model,
    load_tokenizer,
)
from engine.prompt_format import EncodedExample, encode_example
from engine.run_folder import RunFolder
from engine.safety.atomic import replaced_folder
from engine.safety.divergence import exploded, loss_limit
from engine.train.checkpoint import TrainerState, fingerprint, resume_state
from engine.train.checkpoint import save_checkpoint as write_checkpoint
from engine.train.control import ControlState
from engine.train.faults import Faults
from engine.train.losses import evaluate, summed_loss, trained_tokens
from engine.train.packing import Row, collate, eval_rows, plan_steps
from engine.train.schedule import learning_rate_at


@dataclass(frozen=True)
class Outcome:
    """How the run ended, and the trained model (still in memory, for callers that test it)."""

    finished: Finished
    model: Any


@dataclass
class DataCounts:
    """What the data readers dropped, passed through to the DataPrepared event."""

    dropped: int = 0
    duplicates: int = 0
    too_long: int = 0
    too_short: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def train(
    config: RunConfig,
    model_folder: Path,
    train_examples: list[Example],
    heldout_examples: list[Example],
    run: RunFolder,
    emitter: Emitter,
    control: ControlState | None = None,
    faults: Faults | None = None,
    resume: bool = False,
    counts: DataCounts | None = None,
    checkpointed_layers: int | None = None,
    tokenizer: Any = None,
) -> Outcome:
    """Train a LoRA adapter on `train_examples` into `run`; the caller emits `finished`.

    `checkpointed_layers` is the memory plan's count of decoder layers to recompute (None:
    all of them, when gradient checkpointing is on). `tokenizer`: the caller's, when it has
    already loaded the model folder's (engine.modeling.load_tokenizer), so it is not loaded
    twice.
    """
    import torch

    settings = config.training
    control = control or ControlState()
    faults = faults or Faults()
    # 1. Where to run, and the tokenizer.
    placement = choose_placement()
    if placement.device == "cpu":
        configure_cpu_threads()
    torch.manual_seed(settings.seed)
    if tokenizer is None:
        tokenizer = load_tokenizer(model_folder)
    pad_id = tokenizer.pad_token_id
    vocab_size = len(tokenizer)

    # 2. Token ids and labels; the whole run's step plan.
    train_set = [encode_example(tokenizer, e, settings.sequence_length) for e in train_examples]
    heldout_set = [encode_example(tokenizer, e, settings.sequence_length) for e in heldout_examples]
    train_set = [e for e in train_set if e.trained_tokens > 0]
    if not train_set:
        raise EngineError(ErrorKind.NO_USABLE_ROWS, "None of the examples has text to learn from.")
    rows_per_step = settings.micro_batch_size * settings.gradient_accumulation
    plan = plan_steps(
        [len(e) for e in train_set],
        settings.sequence_length,
        rows_per_step,
        settings.epochs,
        settings.seed,
        settings.max_steps,
    )
    heldout_rows = eval_rows([len(e) for e in heldout_set], settings.sequence_length)
    counts = counts or DataCounts()
    emitter.emit(
        DataPrepared(
            examples=len(train_examples) + len(heldout_examples),
            train_examples=len(train_examples),
            heldout_examples=len(heldout_examples),
            dropped=counts.dropped,
            total_tokens=sum(len(e) for e in train_set) + sum(len(e) for e in heldout_set),
            packed_rows=plan.rows_per_epoch,
            duplicates=counts.duplicates,
            too_long=counts.too_long,
            too_short=counts.too_short,
        )
    )
    total_steps = plan.total_steps
    warmup_steps = round(settings.warmup_fraction * total_steps)
    eval_every = settings.eval_every or max(1, total_steps // 8)
    checkpoint_every = settings.checkpoint_every or max(1, total_steps // 4)

    # 3. The 4-bit base model with LoRA, and the optimizer.
    model = load_4bit_model(
        model_folder, placement, settings.gradient_checkpointing, checkpointed_layers
    )
    model = attach_lora(model, config.lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(trainable, config, placement.device)

    # 4. Fresh state, or the latest checkpoint's.
    state = TrainerState(
        micro_batch_size=settings.micro_batch_size,
        data_fingerprint=fingerprint(train_set, heldout_set, plan.steps),
        total_steps=total_steps,
    )
    if resume:
        state = resume_state(run.checkpoints, model, optimizer, state.data_fingerprint)

    def save_checkpoint() -> None:
        state.seconds += time.monotonic() - started_at[0]
        started_at[0] = time.monotonic()
        path = write_checkpoint(run.checkpoints, model, optimizer, state, faults)
        emitter.emit(CheckpointSaved(step=state.step, path=str(path)))

    started_at = [time.monotonic()]
    step_seconds: list[float] = []
    reason: FinishReason = "max_steps" if settings.max_steps else "completed"

    best_weights: dict[str, Any] | None = None  # LoRA weights at the best held-out check
    if heldout_rows and not resume:  # the starting point of the held-out curve
        _evaluate(
            model, heldout_rows, heldout_set, state, pad_id, placement.device, config, emitter
        )
        best_weights = _lora_snapshot(model)

    # 5. The loop: one optimizer step per planned list of rows.
    while state.step < total_steps:
        if control.paused:
            emitter.emit(Paused(step=state.step))
            control.wait_while_paused()
            emitter.emit(Resumed(step=state.step))
        if control.cancel_requested:
            raise EngineError(
                ErrorKind.CANCELLED,
                "Training was cancelled. The last checkpoint is kept, so the run can be resumed.",
            )
        if control.stop_requested:
            reason = "stopped"
            save_checkpoint()
            break

        step_started = time.monotonic()
        rows = plan.steps[state.step]
        lr = learning_rate_at(state.step, total_steps, settings.learning_rate, warmup_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr

        loss_sum, real_tokens, out_of_memory = _forward_backward(
            model, rows, train_set, state, pad_id, placement.device, faults
        )
        if out_of_memory:
            optimizer.zero_grad(set_to_none=True)
            _reduce_micro_batch(state, rows_per_step, emitter)
            continue  # retry the same step with smaller micro-batches
        # One host synchronisation a step: the loss and the gradient norm come back together.
        # Clipping before the divergence check is harmless: a diverged step's gradients are
        # dropped below before they reach the weights.
        norm = torch.nn.utils.clip_grad_norm_(trainable, settings.max_grad_norm)
        loss, grad_norm = torch.stack([loss_sum.float(), norm.float()]).tolist()
        if not math.isfinite(loss) or exploded(loss, vocab_size):
            optimizer.zero_grad(set_to_none=True)  # this step never reaches the weights
            what = "stopped being a number" if not math.isfinite(loss) else "shot up"
            raise EngineError(
                ErrorKind.TRAINING_DIVERGED,
                f"Training became unstable (the loss {what}). Try a lower learning rate; the "
                "last checkpoint is kept.",
                f"loss={loss} at step {state.step + 1}, learning rate {lr:.3g}, "
                f"limit {loss_limit(vocab_size):.3g}",
            )
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        state.last_loss = loss
        state.loss_history.append([state.step, round(loss, 5)])

        step_seconds.append(time.monotonic() - step_started)
        average = sum(step_seconds[-20:]) / len(step_seconds[-20:])
        emitter.emit(
            StepProgress(
                step=state.step,
                total_steps=total_steps,
                loss=round(loss, 5),
                learning_rate=lr,
                tokens_per_second=round(real_tokens / max(step_seconds[-1], 1e-9), 1),
                memory_gib=round(memory_gib(placement.device), 3),
                eta_seconds=round(average * (total_steps - state.step), 1),
                epoch=round(state.step / plan.steps_per_epoch, 3),
                grad_norm=round(grad_norm, 5) if math.isfinite(grad_norm) else 0.0,
            )
        )

        last_step = state.step == total_steps
        if heldout_rows and (state.step % eval_every == 0 or last_step):
            improved = _evaluate(
                model, heldout_rows, heldout_set, state, pad_id, placement.device, config, emitter
            )
            patience = settings.early_stopping_patience
            if improved:
                best_weights = _lora_snapshot(model)
            elif patience and state.evals_without_improvement >= patience:
                reason = "early_stopped"
                if best_weights is not None:  # keep the version that did best on the check
                    _restore_lora(model, best_weights)
                break
        if state.step % checkpoint_every == 0 and not last_step:
            save_checkpoint()

    # 6. The final adapter, with the tokenizer beside it so it can be used on its own.
    # All-or-nothing (engine.safety.atomic): a kill or a full disk mid-write never leaves an
    # adapter/ that looks finished.
    with replaced_folder(run.adapter) as staging:
        model.save_pretrained(str(staging))
        tokenizer.save_pretrained(staging)
    finished = Finished(
        run_dir=str(run.path),
        adapter_dir=str(run.adapter),
        steps=state.step,
        final_loss=round(state.last_loss, 5),
        best_heldout_loss=state.best_heldout_loss,
        seconds=round(state.seconds + time.monotonic() - started_at[0], 2),
        reason=reason,
    )
    return Outcome(finished, model)


def _lora_snapshot(model: Any) -> dict[str, Any]:
    """A CPU copy of the adapter weights (small: LoRA only), to return to the best version."""
    from peft import get_peft_model_state_dict

    return {k: v.detach().to("cpu", copy=True) for k, v in get_peft_model_state_dict(model).items()}


def _restore_lora(model: Any, weights: dict[str, Any]) -> None:
    from peft import set_peft_model_state_dict

    set_peft_model_state_dict(model, weights)


def make_optimizer(trainable: list[Any], config: RunConfig, device: str) -> Any:
    """PagedAdamW8bit on CUDA (small states, pages out under pressure), AdamW on the CPU."""
    import torch

    settings = config.training
    if device == "cuda":
        import bitsandbytes as bnb

        return bnb.optim.PagedAdamW8bit(
            trainable, lr=settings.learning_rate, weight_decay=settings.weight_decay
        )
    return torch.optim.AdamW(
        trainable, lr=settings.learning_rate, weight_decay=settings.weight_decay
    )


def _forward_backward(
    model: Any,
    rows: list[Row],
    examples: list[EncodedExample],
    state: TrainerState,
    pad_id: int,
    device: str,
    faults: Faults,
) -> tuple[Any, int, bool]:
    """Accumulate one step's gradients; returns (mean token loss, real tokens, out of memory).

    The loss stays a device tensor (None on out-of-memory): the caller reads it back together
    with the gradient norm, in one synchronisation.

    Out-of-memory is reported, not handled, here: the caller recovers outside the `except`
    block so the failed attempt's tensors (held by the traceback) are already released.
    """
    import torch

    step_tokens = max(trained_tokens(rows, examples), 1)
    loss_total: Any = 0.0  # stays on the device: one synchronisation a step, not a micro-batch
    real_tokens = 0
    poison = faults.poison(state.step + 1)
    try:
        for start in range(0, len(rows), state.micro_batch_size):
            if start == 0:
                faults.maybe_oom(state.step + 1)
            batch = collate(rows[start : start + state.micro_batch_size], examples, pad_id, device)
            loss = summed_loss(model, batch) * (poison / step_tokens)
            loss.backward()
            loss_total = loss_total + loss.detach()
            real_tokens += batch.real_tokens
    except torch.OutOfMemoryError:
        return None, 0, True
    return loss_total, real_tokens, False


def _reduce_micro_batch(state: TrainerState, rows_per_step: int, emitter: Emitter) -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    if state.micro_batch_size <= 1:
        raise EngineError(
            ErrorKind.OUT_OF_GPU_MEMORY,
            "The GPU ran out of memory even with one row at a time. Choose shorter rows "
            "(sequence length), a smaller model, or close other programs using the GPU.",
            f"step {state.step + 1}",
        )
    state.micro_batch_size //= 2
    emitter.emit(
        MicroBatchReduced(
            step=state.step + 1,
            micro_batch_size=state.micro_batch_size,
            accumulation_steps=math.ceil(rows_per_step / state.micro_batch_size),
        )
    )


def _evaluate(
    model: Any,
    rows: list[Row],
    examples: list[EncodedExample],
    state: TrainerState,
    pad_id: int,
    device: str,
    config: RunConfig,
    emitter: Emitter,
) -> bool:
    """Held-out loss, early-stopping counters and an Evaluation event; True if it improved."""
    loss = evaluate(model, rows, examples, state.micro_batch_size, pad_id, device)
    best = state.best_heldout_loss
    improved = best is None or loss < best - 1e-4
    if improved:
        state.best_heldout_loss = round(loss, 5)
        state.evals_without_improvement = 0
    else:
        state.evals_without_improvement += 1
    patience = config.training.early_stopping_patience
    emitter.emit(
        Evaluation(
            step=state.step,
            heldout_loss=round(loss, 5),
            best_loss=state.best_heldout_loss if state.best_heldout_loss is not None else loss,
            improved=improved,
            patience_left=max(0, patience - state.evals_without_improvement),
        )
    )
    return improved


def memory_gib(device: str) -> float:
    """Peak GPU memory allocated on CUDA; the process's resident memory on the CPU."""
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**30
    import psutil

    return psutil.Process().memory_info().rss / 2**30
