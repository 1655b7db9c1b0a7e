"""The training loop, top to bottom: tokenizer, 4-bit model, LoRA, plan, steps, save.

Everything a run must get right is visible here: packed rows without cross-attention,
loss only on what the model should write, warm-up + cosine learning rate, gradient
accumulation, clipping, held-out evaluation with early stopping, atomic checkpoints,
pause / stop / cancel between steps, halving the micro-batch on out-of-memory, and stopping
on a diverged (NaN) loss with the last good checkpoint kept.

Under `accelerate launch` several processes run this same loop, each on its share of every
step's rows, with the gradients summed between them (engine.train.ranks): the steps, the
learning rate and what a step learns from are those of one process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.config import RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import (
    CheckpointSaved,
    DataPrepared,
    Evaluation,
    Finished,
    FinishReason,
    Log,
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
    load_lora,
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
from engine.train.losses import heldout_sums, summed_loss, trained_tokens
from engine.train.packing import Row, StepPlan, collate, eval_rows, plan_steps
from engine.train.ranks import Ranks
from engine.train.schedule import learning_rate_at

if TYPE_CHECKING:
    from peft import PeftModel
    from torch.optim import Optimizer
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class Outcome:
    """How the run ended, and the trained model (still in memory, for callers that test it)."""

    finished: Finished
    model: PeftModel


@dataclass
class DataCounts:
    """What the data readers dropped, passed through to the DataPrepared event."""

    dropped: int = 0
    duplicates: int = 0
    too_long: int = 0
    too_short: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingJob:
    """What one call of `train` works on: settings, data, where to write and how to report.

    `checkpointed_layers` is the memory plan's count of decoder layers to recompute (None:
    all of them, when gradient checkpointing is on). `tokenizer`: the caller's, when it has
    already loaded the model folder's (engine.modeling.load_tokenizer), so it is not loaded
    twice.
    """

    config: RunConfig
    model_folder: Path
    train_examples: list[Example]
    heldout_examples: list[Example]
    run: RunFolder
    emitter: Emitter
    control: ControlState = field(default_factory=ControlState)
    faults: Faults = field(default_factory=Faults)
    resume: bool = False
    counts: DataCounts = field(default_factory=DataCounts)
    checkpointed_layers: int | None = None
    tokenizer: PreTrainedTokenizerBase | None = None
    ranks: Ranks = field(default_factory=Ranks)


@dataclass(frozen=True)
class Workbench:
    """The pieces every step, check and checkpoint uses, fixed once the model is loaded."""

    model: PeftModel
    optimizer: Optimizer
    pad_id: int
    device: str
    emitter: Emitter
    faults: Faults
    ranks: Ranks


@dataclass(frozen=True)
class HeldOut:
    """The held-out examples packed into rows (the same rows at every check)."""

    rows: list[Row]
    examples: list[EncodedExample]
    patience: int


class Stopwatch:
    """Training time that survives resumes: the seconds since the last lap go into the state."""

    def __init__(self) -> None:
        self._since = time.monotonic()

    def lap(self) -> float:
        now = time.monotonic()
        elapsed, self._since = now - self._since, now
        return elapsed


def train(job: TrainingJob) -> Outcome:
    """Train a LoRA adapter on the job's examples into its run folder; the caller emits
    `finished`."""
    import torch

    config, run, emitter, control, ranks = job.config, job.run, job.emitter, job.control, job.ranks
    settings = config.training
    # 1. Where to run, and the tokenizer.
    placement = choose_placement()
    if placement.device == "cpu":
        configure_cpu_threads()
    torch.manual_seed(settings.seed)
    tokenizer = job.tokenizer or load_tokenizer(job.model_folder)
    vocab_size = len(tokenizer)

    # 2. Token ids and labels; the whole run's step plan.
    data = plan_data(job, tokenizer)
    train_set, heldout, plan = data.train_set, data.heldout, data.plan
    rows_per_step, total_steps, warmup_steps = data.rows_per_step, plan.total_steps, data.warmup
    eval_every, checkpoint_every = data.eval_every, data.checkpoint_every

    # 3. The 4-bit base model with LoRA, and the optimizer.
    model = load_4bit_model(
        job.model_folder, placement, settings.gradient_checkpointing, job.checkpointed_layers
    )
    if config.parent_run and not job.resume:
        # Train more: the earlier run's adapter, trainable, not a fresh one. A resumed child
        # takes its weights from its own checkpoint (same shape): the parent may be gone.
        model = load_lora(model, Path(config.parent_run) / "adapter")
    else:
        model = attach_lora(model, config.lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    ranks.same_weights(trainable)
    optimizer = make_optimizer(trainable, config, placement.device)
    bench = Workbench(
        model, optimizer, tokenizer.pad_token_id, placement.device, emitter, job.faults, ranks
    )

    # 4. Fresh state, or the latest checkpoint's.
    state = TrainerState(
        micro_batch_size=settings.micro_batch_size,
        data_fingerprint=data.fingerprint,
        total_steps=total_steps,
    )
    if job.resume:
        state = resume_state(run.checkpoints, model, optimizer, state.data_fingerprint)
    stopwatch = Stopwatch()
    clock = StepClock(total_steps, plan.steps_per_epoch, vocab_size, placement.device)
    reason: FinishReason = "max_steps" if settings.max_steps else "completed"

    best_weights: dict[str, Any] | None = None  # LoRA weights at the best held-out check
    if heldout.rows and not job.resume:  # the starting point of the held-out curve
        _evaluate(bench, heldout, state)
        best_weights = _lora_snapshot(model)

    # 5. The loop: one optimizer step per planned list of rows.
    while state.step < total_steps:
        requests = ranks.requests(control)  # process 0's, on every process
        if requests.paused:
            emitter.emit(Paused(step=state.step))
            requests = ranks.wait_while_paused(control)
            emitter.emit(Resumed(step=state.step))
        if requests.cancel:
            raise EngineError(
                ErrorKind.CANCELLED,
                "Training was cancelled. The last checkpoint is kept, so the run can be resumed.",
            )
        if requests.stop:
            reason = "stopped"
            _save_checkpoint(bench, run, state, stopwatch)
            break

        step_started = time.monotonic()
        rows = plan.steps[state.step]
        lr = learning_rate_at(state.step, total_steps, settings.learning_rate, warmup_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr

        loss_sum, real_tokens, out_of_memory = _forward_backward(bench, rows, train_set, state)
        if ranks.any(out_of_memory):
            optimizer.zero_grad(set_to_none=True)
            _reduce_micro_batch(state, rows_per_step, emitter)
            continue  # retry the same step with smaller micro-batches, on every process
        ranks.sum_gradients(trainable)
        loss_sum, real_tokens = ranks.total(loss_sum, real_tokens)
        # One host synchronisation a step: the loss and the gradient norm come back together.
        # Clipping before the divergence check is harmless: a diverged step's gradients are
        # dropped below before they reach the weights.
        norm = torch.nn.utils.clip_grad_norm_(trainable, settings.max_grad_norm)
        loss, grad_norm = torch.stack([loss_sum.float(), norm.float()]).tolist()
        finish_step(
            optimizer,
            state,
            StepResult(loss, grad_norm, lr, real_tokens, step_started),
            clock,
            emitter,
        )

        last_step = state.step == total_steps
        if heldout.rows and (state.step % eval_every == 0 or last_step):
            if _evaluate(bench, heldout, state):
                best_weights = _lora_snapshot(model)
            elif heldout.patience and state.evals_without_improvement >= heldout.patience:
                reason = "early_stopped"
                if best_weights is not None:  # keep the version that did best on the check
                    _restore_lora(model, best_weights)
                break
        if state.step % checkpoint_every == 0 and not last_step:
            _save_checkpoint(bench, run, state, stopwatch)

    # 6. The final adapter, with the tokenizer beside it so it can be used on its own.
    # All-or-nothing (engine.safety.atomic): a kill or a full disk mid-write never leaves an
    # adapter/ that looks finished.
    if ranks.main:
        with replaced_folder(run.adapter) as staging:
            model.save_pretrained(str(staging))
            tokenizer.save_pretrained(staging)
    finished = Finished(
        run_dir=str(run.path),
        adapter_dir=str(run.adapter),
        steps=state.step,
        final_loss=round(state.last_loss, 5),
        best_heldout_loss=state.best_heldout_loss,
        seconds=round(state.seconds + stopwatch.lap(), 2),
        reason=reason,
        tokens_seen=state.tokens_seen,
        processes=ranks.count,
    )
    return Outcome(finished, model)


@dataclass(frozen=True)
class PlannedData:
    """The run's token ids, step plan and cadences, the same on every process."""

    train_set: list[EncodedExample]
    heldout: HeldOut
    plan: StepPlan
    rows_per_step: int
    warmup: int  # steps
    eval_every: int
    checkpoint_every: int
    fingerprint: str


def plan_data(job: TrainingJob, tokenizer: PreTrainedTokenizerBase) -> PlannedData:
    """Encode the examples, plan every step's rows and emit DataPrepared."""
    settings, emitter, ranks = job.config.training, job.emitter, job.ranks
    train_set = [encode_example(tokenizer, e, settings.sequence_length) for e in job.train_examples]
    heldout_set = [
        encode_example(tokenizer, e, settings.sequence_length) for e in job.heldout_examples
    ]
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
    heldout = HeldOut(
        rows=eval_rows([len(e) for e in heldout_set], settings.sequence_length),
        examples=heldout_set,
        patience=settings.early_stopping_patience,
    )
    counts = job.counts
    emitter.emit(
        DataPrepared(
            examples=len(job.train_examples) + len(job.heldout_examples),
            train_examples=len(job.train_examples),
            heldout_examples=len(job.heldout_examples),
            dropped=counts.dropped,
            total_tokens=sum(len(e) for e in train_set) + sum(len(e) for e in heldout_set),
            packed_rows=plan.rows_per_epoch,
            duplicates=counts.duplicates,
            too_long=counts.too_long,
            too_short=counts.too_short,
        )
    )
    if rows_per_step < ranks.count:
        emitter.emit(
            Log(
                message=f"Each step learns from {rows_per_step} rows, fewer than the "
                f"{ranks.count} training processes: some of them will wait. Raise the "
                "micro-batch or the accumulation to keep them all busy."
            )
        )
    total_steps = plan.total_steps
    return PlannedData(
        train_set=train_set,
        heldout=heldout,
        plan=plan,
        rows_per_step=rows_per_step,
        warmup=round(settings.warmup_fraction * total_steps),
        eval_every=settings.eval_every or max(1, total_steps // 8),
        checkpoint_every=settings.checkpoint_every or max(1, total_steps // 4),
        fingerprint=fingerprint(train_set, heldout_set, plan.steps),
    )


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
    bench: Workbench, rows: list[Row], examples: list[EncodedExample], state: TrainerState
) -> tuple[Any, int, bool]:
    """Accumulate this process's share of one step's gradients; returns (its part of the mean
    token loss, its real tokens, out of memory).

    Every share is divided by the whole step's trained tokens, so the processes' parts add
    up to the one-process step.

    The loss stays a device tensor (None on out-of-memory): the caller reads it back together
    with the gradient norm, in one synchronisation.

    Out-of-memory is reported, not handled, here: the caller recovers outside the `except`
    block so the failed attempt's tensors (held by the traceback) are already released.
    """
    import torch

    step_tokens = max(trained_tokens(rows, examples), 1)
    loss_total: Any = torch.zeros(
        (), device=bench.device
    )  # stays on the device: one synchronisation a step, not a micro-batch
    real_tokens = 0
    faults = bench.faults
    poison = faults.poison(state.step + 1)
    try:
        mine = bench.ranks.share(rows)
        for start in range(0, len(mine), state.micro_batch_size):
            if start == 0:
                faults.maybe_oom(state.step + 1)
            micro_rows = mine[start : start + state.micro_batch_size]
            batch = collate(micro_rows, examples, bench.pad_id, bench.device)
            loss = summed_loss(bench.model, batch) * (poison / step_tokens)
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


def _save_checkpoint(
    bench: Workbench, run: RunFolder, state: TrainerState, stopwatch: Stopwatch
) -> None:
    state.seconds += stopwatch.lap()
    if bench.ranks.main:  # the processes hold the same weights: one writes them
        path = write_checkpoint(run.checkpoints, bench.model, bench.optimizer, state, bench.faults)
        bench.emitter.emit(CheckpointSaved(step=state.step, path=str(path)))


def _evaluate(bench: Workbench, heldout: HeldOut, state: TrainerState) -> bool:
    """Held-out loss, early-stopping counters and an Evaluation event; True if it improved."""
    mine = bench.ranks.share(heldout.rows)
    total, tokens = heldout_sums(
        bench.model, mine, heldout.examples, state.micro_batch_size, bench.pad_id, bench.device
    )
    summed_loss_all, tokens_all = bench.ranks.sums([total, float(tokens)])
    return record_heldout(summed_loss_all / max(tokens_all, 1.0), heldout, state, bench.emitter)


def record_heldout(loss: float, heldout: HeldOut, state: TrainerState, emitter: Emitter) -> bool:
    """Update the early-stopping counters with a held-out loss and emit an Evaluation event;
    True if it improved."""
    best = state.best_heldout_loss
    improved = best is None or loss < best - 1e-4
    if improved:
        state.best_heldout_loss = round(loss, 5)
        state.evals_without_improvement = 0
    else:
        state.evals_without_improvement += 1
    emitter.emit(
        Evaluation(
            step=state.step,
            heldout_loss=round(loss, 5),
            best_loss=state.best_heldout_loss if state.best_heldout_loss is not None else loss,
            improved=improved,
            patience_left=max(0, heldout.patience - state.evals_without_improvement),
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


@dataclass(frozen=True)
class StepResult:
    """What one optimizer step measured, before it is applied: the summed loss, the gradient
    norm, the learning rate, the real tokens and when the step started."""

    loss: float
    grad_norm: float
    learning_rate: float
    real_tokens: int
    started: float


def finish_step(
    optimizer: Any,
    state: TrainerState,
    result: StepResult,
    progress: StepClock,
    emitter: Emitter,
) -> None:
    """Apply a measured step: refuse a diverged loss (its gradients never reach the weights),
    step the optimizer, update the counters and emit StepProgress. Both training loops (this
    one and engine/train/sharded.py) end each step here."""
    loss, lr = result.loss, result.learning_rate
    if not math.isfinite(loss) or exploded(loss, progress.vocab_size):
        optimizer.zero_grad(set_to_none=True)  # this step never reaches the weights
        what = "stopped being a number" if not math.isfinite(loss) else "shot up"
        raise EngineError(
            ErrorKind.TRAINING_DIVERGED,
            f"Training became unstable (the loss {what}). Try a lower learning rate; the "
            "last checkpoint is kept.",
            f"loss={loss} at step {state.step + 1}, learning rate {lr:.3g}, "
            f"limit {loss_limit(progress.vocab_size):.3g}",
        )
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    state.step += 1
    state.last_loss = loss
    state.tokens_seen += result.real_tokens
    state.loss_history.append([state.step, round(loss, 5)])

    seconds = progress.lap(result.started)
    emitter.emit(
        StepProgress(
            step=state.step,
            total_steps=progress.total_steps,
            loss=round(loss, 5),
            learning_rate=lr,
            tokens_per_second=round(result.real_tokens / max(seconds, 1e-9), 1),
            memory_gib=round(memory_gib(progress.device), 3),
            eta_seconds=round(progress.average() * (progress.total_steps - state.step), 1),
            epoch=round(state.step / progress.steps_per_epoch, 3),
            grad_norm=round(result.grad_norm, 5) if math.isfinite(result.grad_norm) else 0.0,
        )
    )


@dataclass
class StepClock:
    """The run's fixed shape for progress events, and the recent step times for the ETA."""

    total_steps: int
    steps_per_epoch: float
    vocab_size: int
    device: str
    seconds: list[float] = field(default_factory=list)

    def lap(self, started: float) -> float:
        self.seconds.append(time.monotonic() - started)
        return self.seconds[-1]

    def average(self) -> float:
        recent = self.seconds[-20:]
        return sum(recent) / len(recent)
