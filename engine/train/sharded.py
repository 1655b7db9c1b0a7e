"""Training with the 4-bit base sharded over the processes (FSDP): QLoRA for big bases.

`accelerate launch --config_file accelerate/fsdp-qlora.yaml -m engine train ...` starts the
processes with FSDP asked for; `train_sharded` is then the loop instead of
engine.train.loop.train. It reads the same, top to bottom, with what FSDP changes:

- the base is loaded with its packed 4-bit weights stored in the compute dtype
  (`bnb_4bit_quant_storage`): FSDP shards only float tensors;
- the peft model is wrapped in torch's FullyShardedDataParallel with accelerate's FSDP
  settings from the launch (sharding strategy, offload, `use_orig_params`, ...) and peft's
  wrap policy, which wraps the LoRA layers apart from the frozen ones;
- every forward is a collective: each process runs the same number of micro-batches in a
  step and in a held-out check (a process with no rows left runs one with weight 0);
- FSDP averages the gradients over the processes, so each share of the loss is multiplied by
  the process count: the step stays the one-process step (engine.train.ranks);
- checkpoints and the adapter: the LoRA weights and the optimizer state are gathered to
  process 0, which writes them in the usual format (a plain peft adapter).

Not here (yet): resuming a sharded run, and out-of-memory recovery (one process cannot retry
a step alone in the middle of the others' collectives). See docs/server.md.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import (
    CheckpointSaved,
    Finished,
    FinishReason,
    Paused,
    Resumed,
)
from engine.modeling import (
    attach_lora,
    choose_placement,
    configure_cpu_threads,
    load_4bit_model,
    load_lora,
    load_tokenizer,
)
from engine.prompt_format import IGNORE, EncodedExample
from engine.safety.atomic import replaced_folder
from engine.train.checkpoint import TrainerState
from engine.train.checkpoint import save_checkpoint as write_checkpoint
from engine.train.loop import (
    HeldOut,
    Outcome,
    StepClock,
    StepResult,
    Stopwatch,
    TrainingJob,
    finish_step,
    plan_data,
    record_heldout,
)
from engine.train.losses import trained_tokens
from engine.train.packing import Batch, Row, collate
from engine.train.ranks import Ranks
from engine.train.schedule import learning_rate_at

if TYPE_CHECKING:
    from peft import PeftModel


def sharded_launch() -> bool:
    """True when `accelerate launch` was asked for FSDP (distributed_type: FSDP in its config,
    or --use_fsdp): the variable accelerate itself reads, which also holds on the CPU, where
    accelerate's own state reports MULTI_CPU."""
    from accelerate.utils import parse_flag_from_env

    return bool(parse_flag_from_env("ACCELERATE_USE_FSDP"))


@dataclass(frozen=True)
class Shards:
    """The wrapped model and what every step, check and save of a sharded run uses."""

    wrapped: Any  # torch FullyShardedDataParallel around `model`
    model: PeftModel
    optimizer: Any
    pad_id: int
    device: str
    ranks: Ranks


def train_sharded(job: TrainingJob) -> Outcome:
    """Train a LoRA adapter with the base sharded over the processes; the caller emits
    `finished`."""
    import torch

    config, run, emitter, control, ranks = job.config, job.run, job.emitter, job.control, job.ranks
    settings = config.training
    if job.resume:
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            "A run trained with its model split over several GPUs (FSDP) cannot be continued "
            "yet. Start a new run.",
            str(run.path),
        )
    # 1. Where to run, and the tokenizer.
    placement = choose_placement()
    if placement.device == "cpu":
        configure_cpu_threads()
    torch.manual_seed(settings.seed)
    tokenizer = job.tokenizer or load_tokenizer(job.model_folder)
    vocab_size = len(tokenizer)

    # 2. Token ids and labels; the whole run's step plan (the same as the plain loop's).
    data = plan_data(job, tokenizer)
    train_set, heldout, plan = data.train_set, data.heldout, data.plan
    total_steps = plan.total_steps

    # 3. The 4-bit base, its packed weights stored in the compute dtype, LoRA, FSDP.
    model = load_4bit_model(
        job.model_folder,
        placement,
        settings.gradient_checkpointing,
        job.checkpointed_layers,
        quant_storage=placement.compute_dtype,
    )
    torch.manual_seed(settings.seed)  # the same LoRA start on every process
    if config.parent_run:  # Train more: the earlier run's adapter, trainable
        model = load_lora(model, Path(config.parent_run) / "adapter")
    else:
        model = attach_lora(model, config.lora)
    model.train()
    wrapped = _wrap(model, ranks, placement.device)
    trainable = [p for p in wrapped.parameters() if p.requires_grad]
    # Plain AdamW: it takes FSDP's flat shards as they are.
    optimizer = torch.optim.AdamW(
        trainable, lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    shards = Shards(wrapped, model, optimizer, tokenizer.pad_token_id, placement.device, ranks)

    # 4. Fresh state.
    state = TrainerState(
        micro_batch_size=settings.micro_batch_size,
        data_fingerprint=data.fingerprint,
        total_steps=total_steps,
    )
    stopwatch = Stopwatch()
    clock = StepClock(total_steps, plan.steps_per_epoch, vocab_size, placement.device)
    reason: FinishReason = "max_steps" if settings.max_steps else "completed"
    best_weights: dict[str, Any] | None = None
    if heldout.rows:
        record_heldout(_heldout_loss(shards, heldout, state), heldout, state, emitter)
        best_weights = _gathered_lora(shards)

    # 5. The loop: one optimizer step per planned list of rows.
    while state.step < total_steps:
        requests = ranks.requests(control)
        if requests.paused:
            emitter.emit(Paused(step=state.step))
            requests = ranks.wait_while_paused(control)
            emitter.emit(Resumed(step=state.step))
        if requests.cancel:
            raise EngineError(
                ErrorKind.CANCELLED,
                "Training was cancelled. The last checkpoint is kept.",
            )
        if requests.stop:
            reason = "stopped"
            _save_checkpoint(shards, job, state, stopwatch)
            break

        step_started = time.monotonic()
        rows = plan.steps[state.step]
        lr = learning_rate_at(state.step, total_steps, settings.learning_rate, data.warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss_part, real_tokens = _forward_backward(shards, rows, train_set, state)
        loss_sum, real_tokens = ranks.total(loss_part, real_tokens)
        norm = wrapped.clip_grad_norm_(settings.max_grad_norm)  # over all the shards
        loss, grad_norm = float(loss_sum), float(norm)
        finish_step(
            optimizer,
            state,
            StepResult(loss, grad_norm, lr, real_tokens, step_started),
            clock,
            emitter,
        )

        last_step = state.step == total_steps
        if heldout.rows and (state.step % data.eval_every == 0 or last_step):
            if record_heldout(_heldout_loss(shards, heldout, state), heldout, state, emitter):
                best_weights = _gathered_lora(shards)
            elif heldout.patience and state.evals_without_improvement >= heldout.patience:
                reason = "early_stopped"
                if best_weights is not None:
                    _restore_lora(shards, best_weights)
                break
        if state.step % data.checkpoint_every == 0 and not last_step:
            _save_checkpoint(shards, job, state, stopwatch)

    # 6. The final adapter, gathered to process 0, which writes it all-or-nothing.
    weights = _gathered_lora(shards)
    if ranks.main:
        with replaced_folder(run.adapter) as staging:
            write_adapter(model, weights, staging)
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


def _wrap(model: Any, ranks: Ranks, device: str) -> Any:
    """The peft model in torch FSDP, with the settings `accelerate launch` was given."""
    import torch
    from accelerate.utils import FullyShardedDataParallelPlugin
    from peft.utils.other import fsdp_auto_wrap_policy
    from torch.distributed.fsdp import FullyShardedDataParallel

    # The launch's FSDP_* variables; accelerate checked them already (engine.train.ranks).
    plugin = FullyShardedDataParallelPlugin()
    if not plugin.sync_module_states:  # otherwise FSDP broadcasts process 0's weights itself
        ranks.same_weights([p for p in model.parameters() if p.requires_grad])
    if device == "cpu":
        device_id = torch.device("cpu")  # FSDP on the CPU (gloo) must be told so
    else:
        assert ranks.accelerator is not None
        device_id = ranks.accelerator.device
    return FullyShardedDataParallel(
        model,
        auto_wrap_policy=fsdp_auto_wrap_policy(model),  # LoRA layers apart from frozen ones
        sharding_strategy=plugin.sharding_strategy,
        cpu_offload=plugin.cpu_offload,
        backward_prefetch=plugin.backward_prefetch,
        forward_prefetch=plugin.forward_prefetch,
        limit_all_gathers=plugin.limit_all_gathers,
        use_orig_params=plugin.use_orig_params,
        sync_module_states=plugin.sync_module_states,
        param_init_fn=plugin.param_init_fn,
        device_id=device_id,
    )


def _micro_batches(shards: Shards, rows: list[Row], size: int) -> list[list[Row]]:
    """This process's micro-batches of `rows`, as many on every process (each forward is a
    collective); an empty one means "run a forward that counts for nothing"."""
    count = shards.ranks.count
    mine = shards.ranks.share(rows)
    batches = math.ceil(math.ceil(len(rows) / count) / size)
    return [mine[start : start + size] for start in range(0, batches * size, size)]


def _forward_backward(
    shards: Shards, rows: list[Row], examples: list[EncodedExample], state: TrainerState
) -> tuple[Any, int]:
    """This process's share of one step: (its part of the mean token loss, its real tokens)."""
    import torch

    step_tokens = max(trained_tokens(rows, examples), 1)
    # FSDP averages the gradients over the processes; the shares must add up instead.
    scale = shards.ranks.count / step_tokens
    loss_part: Any = torch.zeros((), device=shards.device)
    real_tokens = 0
    try:
        for micro in _micro_batches(shards, rows, state.micro_batch_size):
            batch = collate(micro or rows[:1], examples, shards.pad_id, shards.device)
            weight = 1.0 if micro else 0.0
            loss = _summed_loss(shards.wrapped, batch)
            (loss * (scale * weight)).backward()
            loss_part = loss_part + loss.detach() * (weight / step_tokens)
            real_tokens += batch.real_tokens if micro else 0
    except torch.OutOfMemoryError as exc:
        raise EngineError(
            ErrorKind.OUT_OF_GPU_MEMORY,
            "A GPU ran out of memory. Lower the micro-batch size or the sequence length in the "
            "settings file and start the run again.",
            f"step {state.step + 1}, micro-batch {state.micro_batch_size}",
        ) from exc
    return loss_part, real_tokens


def _summed_loss(wrapped: Any, batch: Batch) -> Any:
    """The summed next-token loss through the wrapped model's own forward.

    The plain loop's fused loss (engine.fast.loss) calls the decoder and the output layer's
    weight directly, past FSDP's root, whose weights are not gathered then; here the whole
    model runs, logits included.
    """
    import torch.nn.functional as F

    logits = wrapped(
        input_ids=batch.input_ids, position_ids=batch.position_ids, use_cache=False
    ).logits
    return F.cross_entropy(
        logits[:, :-1, :].float().reshape(-1, logits.shape[-1]),
        batch.labels[:, 1:].reshape(-1),
        ignore_index=IGNORE,
        reduction="sum",
    )


def _heldout_loss(shards: Shards, heldout: HeldOut, state: TrainerState) -> float:
    """The mean token loss over the held-out rows, summed over the processes."""
    import torch

    shards.wrapped.eval()
    total, tokens = 0.0, 0
    try:
        with torch.no_grad():
            for micro in _micro_batches(shards, heldout.rows, state.micro_batch_size):
                rows = micro or heldout.rows[:1]
                batch = collate(rows, heldout.examples, shards.pad_id, shards.device)
                loss = float(_summed_loss(shards.wrapped, batch))
                if micro:
                    total, tokens = total + loss, tokens + batch.trained_tokens
    finally:
        shards.wrapped.train()
    summed, counted = shards.ranks.sums([total, float(tokens)])
    return summed / max(counted, 1.0)


def _lora_modules(shards: Shards) -> dict[str, Any]:
    """The LoRA layers by their peft state-dict prefix (FSDP's wrapper names removed)."""
    import torch

    found = {}
    for name, module in shards.model.named_modules():
        if type(module) is torch.nn.Linear and ".lora_" in name:
            found[name.replace("._fsdp_wrapped_module", "")] = module
    return found


def _gathered_lora(shards: Shards) -> dict[str, Any]:
    """The whole LoRA weights on the CPU of every process (a collective; small: LoRA only)."""
    from torch.distributed.fsdp import FullyShardedDataParallel

    with FullyShardedDataParallel.summon_full_params(shards.wrapped, writeback=False):
        return {
            f"{name}.weight": module.weight.detach().to("cpu", copy=True)
            for name, module in _lora_modules(shards).items()
        }


def _restore_lora(shards: Shards, weights: dict[str, Any]) -> None:
    """Put gathered LoRA weights back into the shards (returning to the best check)."""
    import torch
    from torch.distributed.fsdp import FullyShardedDataParallel

    with (
        FullyShardedDataParallel.summon_full_params(shards.wrapped, writeback=True),
        torch.no_grad(),
    ):
        for name, module in _lora_modules(shards).items():
            module.weight.copy_(weights[f"{name}.weight"])


def write_adapter(model: Any, weights: dict[str, Any], folder: Path) -> None:
    """A plain peft LoRA adapter from gathered weights: adapter_config.json and
    adapter_model.safetensors, keys without the adapter's name, as peft's save_pretrained
    writes them. peft's own save cannot be used: it matches the keys against the model's
    module names, which FSDP's wrappers have changed."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.peft_config["default"].save_pretrained(str(folder))
    plain = {name.replace(".default.", "."): value for name, value in weights.items()}
    save_file(plain, str(folder / "adapter_model.safetensors"), metadata={"format": "pt"})


@dataclass(frozen=True)
class _Gathered:
    """A checkpoint's adapter and optimizer state, gathered to process 0, in the shape
    engine.train.checkpoint.save_checkpoint writes (a model and an optimizer)."""

    model: Any
    weights: dict[str, Any]
    optimizer_state: dict[str, Any]

    def save_pretrained(self, path: Path) -> None:
        write_adapter(self.model, self.weights, path)

    def state_dict(self) -> dict[str, Any]:
        return self.optimizer_state


def _save_checkpoint(
    shards: Shards, job: TrainingJob, state: TrainerState, stopwatch: Stopwatch
) -> None:
    """Gather the LoRA weights and the optimizer state (collectives), then process 0 writes."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_optimizer_state_dict

    state.seconds += stopwatch.lap()
    weights = _gathered_lora(shards)
    full = StateDictOptions(full_state_dict=True, cpu_offload=True)
    optimizer_state = get_optimizer_state_dict(shards.wrapped, shards.optimizer, options=full)
    if shards.ranks.main:
        gathered = _Gathered(shards.model, weights, optimizer_state)
        path = write_checkpoint(job.run.checkpoints, gathered, gathered, state, job.faults)
        job.emitter.emit(CheckpointSaved(step=state.step, path=str(path)))
