"""`python -m engine train`: train a style adapter with 4-bit QLoRA into a run folder.

    python -m engine train --model demo --data posts.csv --output RUN_DIR [--max-steps N]
    python -m engine train --resume RUN_DIR

Events, in order: run_started, (download_progress), log lines from reading the data,
data_prepared, step_progress..., evaluation, checkpoint_saved, finished. Control commands
(stop, pause, resume, cancel) are read from stdin while training.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Any

from engine.contract.config import ConfigError, ModelSettings, RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import Finished, Log, RunStarted
from engine.emit import Emitter
from engine.tiny_test_model import TINY_TEST_MODEL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="Hub id, local folder, .gguf file, or 'demo'")
    parser.add_argument("--data", nargs="+", default=None, help="files or folders to learn from")
    parser.add_argument("--output", type=Path, default=None, help="the run folder to create")
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    parser.add_argument("--config", type=Path, default=None, help="run.json with all settings")
    parser.add_argument("--resume", type=Path, default=None, help="continue this run folder")
    parser.add_argument("--dial", choices=("quick", "balanced", "thorough"), default=None)
    parser.add_argument("--sheet", default=None, help="the sheet of a workbook to read")
    parser.add_argument("--text-column", default=None, help="CSV column holding the writing")
    parser.add_argument("--prompt-column", default=None, help="CSV column holding the request")
    parser.add_argument("--system-column", default=None, help="CSV column holding a brief")
    parser.add_argument("--name", default=None, help="a name for the run")
    parser.add_argument(
        "--parent", type=Path, default=None, help="train more: start from this finished run"
    )
    parser.add_argument(
        "--no-evaluate",
        action="store_true",
        help="skip the base-versus-tuned check (perplexity and style score) after training",
    )


def model_of(args: argparse.Namespace) -> ModelSettings | None:
    """The base model this command will train, read without loading anything heavy (the
    engine decides from it whether the run may use the network); None if unreadable."""
    try:
        if args.resume is not None:
            return RunConfig.load(args.resume / "run.json").model
        config = RunConfig.load(args.config) if args.config else RunConfig()
    except ConfigError:
        return None
    return dataclasses.replace(config.model, name=args.model or config.model.name)


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.safety.run_lock import RunLock
    from engine.train.control import ControlState, start_stdin_reader
    from engine.train.faults import Faults
    from engine.train.ranks import Ranks

    ranks = Ranks.join()  # one process, or several under accelerate launch
    control = ControlState()
    lock: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if ranks.main:  # process 0 alone takes commands and holds the lock (engine.train.ranks)
        start_stdin_reader(control, sys.stdin)
        _stop_on_interrupt(control)
        # One run at a time on this computer (engine.safety.run_lock): a second gets RUN_BUSY.
        lock = RunLock.for_data_dir().acquire(
            args.resume or args.output or Path(args.name or "run")
        )
    _follow_process_zero(ranks)
    with lock:
        execute(args, emitter, control, Faults.from_env(), ranks)
    # Only after success: on a failure a lost peer could keep the teardown waiting, and the
    # process ends with an error anyway.
    ranks.close()
    return 0


def _follow_process_zero(ranks: Any) -> None:
    """Signals when several processes train one run (accelerate launch).

    Ctrl+C reaches every process: the others ignore it and stop when process 0 saves and
    stops. torchrun ends the survivors of a dead process with SIGTERM: process 0 turns that
    into PROCESS_LOST, so the run ends with a typed error and run.json says "failed".
    """
    import signal

    from engine.train.ranks import lost_process

    if ranks.count == 1:
        return

    def on_terminate(signum: int, frame: Any) -> None:
        raise lost_process("ended by the launcher (SIGTERM) after another process stopped")

    with contextlib.suppress(ValueError):  # not the main thread: tests calling run()
        if ranks.main:
            signal.signal(signal.SIGTERM, on_terminate)
        else:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_on_interrupt(control: Any) -> None:
    """The first Ctrl+C / SIGINT means "stop and save", like the GUI's Stop; a second aborts.

    A run kept going in the background has no stdin from the reopened GUI, which stops it
    with SIGINT; without this, Stop-and-save there would throw away the unsaved steps and the
    adapter.
    """
    import signal

    def on_interrupt(signum: int, frame: Any) -> None:
        if control.stop_requested:
            raise KeyboardInterrupt
        control.apply("stop")

    with contextlib.suppress(ValueError):  # not the main thread: tests calling run()
        signal.signal(signal.SIGINT, on_interrupt)


def execute(
    args: argparse.Namespace,
    emitter: Emitter,
    control: Any = None,
    faults: Any = None,
    ranks: Any = None,
) -> Finished:
    """The whole command, callable in-process (tests pass their own control and faults).

    Under accelerate launch every process runs it; only process 0 (`ranks.main`) writes the
    run folder and the events.
    """
    import io

    import torch

    from engine.data.prepare import prepare_examples
    from engine.model_card import write_model_card
    from engine.modeling import load_tokenizer, resolve_model
    from engine.run_folder import RunFolder, default_run_dir
    from engine.train.checkpoint import latest_checkpoint
    from engine.train.control import ControlState
    from engine.train.faults import Faults
    from engine.train.lineage import check_fits, inherit, lineage_record, read_parent
    from engine.train.loop import DataCounts, TrainingJob, train
    from engine.train.ranks import Ranks
    from engine.train.sharded import sharded_launch, train_sharded

    ranks = ranks or Ranks()
    sharded = ranks.count > 1 and sharded_launch()  # the base split over the processes
    if not ranks.main:  # the others' events would repeat process 0's (their failures: stderr)
        emitter = Emitter(stream=io.StringIO(), pretty=False)

    resume = args.resume is not None
    if resume:
        run = RunFolder(args.resume)
        if not run.run_json.is_file():
            raise EngineError(
                ErrorKind.BAD_CONFIG, f"There is no Quillora run to continue at {args.resume}."
            )
        config = run.read_config()
        latest = latest_checkpoint(run.checkpoints)
        resumed_from = int(latest.name.split("-")[1]) if latest else 0
    else:
        config = _config_from_args(args)
        run = RunFolder(args.output or default_run_dir(config))
        if ranks.main and run.run_json.exists():
            raise EngineError(
                ErrorKind.RUN_BUSY,
                f"The folder {run.path} already holds a run. Choose a new folder, or resume it.",
            )
        resumed_from = 0
    if ranks.main:
        run.create()
        emitter.write_also_to(run.events)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    emitter.emit(
        RunStarted(
            run_dir=str(run.path),
            model=config.model.name,
            device=device,
            resumed_from_step=resumed_from,
        )
    )

    if device == "cpu":  # before a download: the catalog knows the size of its models
        _refuse_too_big_for_the_cpu(config.model.name, None)
    with ranks.main_first():  # one process converts the demo model or downloads
        model_folder = resolve_model(config.model.name, config.model.revision, emitter)
    if device == "cpu":
        _refuse_too_big_for_the_cpu(config.model.name, model_folder)
    tokenizer = load_tokenizer(model_folder)
    prepared = prepare_examples(
        config.data,
        emitter,
        count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
        seed=config.training.seed,
    )
    if not resume and args.config is None:
        config = _apply_dial(config, prepared, model_folder)
    if config.parent_run and not resume:
        # Train more: the adapter decides the base model and the LoRA shape. Settings derived
        # from the dial take the parent's; a settings file must already match it.
        parent = read_parent(config.parent_run)
        if args.config is None:
            config = inherit(config, parent)
        check_fits(parent, config)
    if not resume and config.model.name == TINY_TEST_MODEL:
        # The test model's base weights are random: it needs its own learning rate whatever
        # the dial or the settings file derived for real models (recorded in run.json). The
        # real demo model trains with the dial's rates, like any base.
        from engine.tiny_test_model import tiny_test_training

        config = config.replace(training=tiny_test_training(config.training))
    if ranks.main and not resume:
        run.write_run(config, model_folder, state="training", processes=ranks.count)
        if config.parent_run:
            run.update_run(parent=lineage_record(parent))
        run.write_manifest(prepared.manifest)
    elif ranks.main:
        run.update_run(state="training", processes=ranks.count)
    # The memory plan's count of decoder layers to recompute; 0 (or no checkpointing): all.
    checkpointed_layers = config.training.checkpointed_layers or None

    readiness = prepared.report.readiness
    counts = DataCounts(
        dropped=readiness.duplicates + readiness.empty + readiness.too_short + readiness.too_long,
        duplicates=readiness.duplicates,
        too_long=readiness.too_long,
        too_short=readiness.too_short,
    )
    try:
        job = TrainingJob(
            config,
            model_folder,
            prepared.train,
            prepared.heldout,
            run,
            emitter,
            control=control or ControlState(),
            faults=faults or Faults(),
            resume=resume,
            counts=counts,
            checkpointed_layers=checkpointed_layers,
            tokenizer=tokenizer,
            ranks=ranks,
        )
        outcome = train_sharded(job) if sharded else train(job)
    except EngineError as exc:
        # On a full disk even run.json may not fit: the typed error must still reach the user.
        with contextlib.suppress(OSError):
            if ranks.main:
                error = {"kind": exc.kind.value, "message": exc.message}
                run.update_run(state="failed", error=error)
        raise
    finished = outcome.finished
    if not ranks.main:
        return finished
    result = {
        "steps": finished.steps,
        "final_loss": finished.final_loss,
        "best_heldout_loss": finished.best_heldout_loss,
        "reason": finished.reason,
        "seconds": finished.seconds,
        "tokens_seen": finished.tokens_seen,
        "processes": finished.processes,
    }
    run.update_run(state=finished.reason, result=result)
    if sharded and not args.no_evaluate:
        # Generating needs every process's shard of the base, and the others have left.
        emitter.emit(Log(message=SHARDED_EVALUATION_NOTE, level="warning"))
    elif not args.no_evaluate:
        _evaluate_guarded(
            outcome.model, tokenizer, prepared.heldout, config, run.path, emitter, faults
        )
    write_model_card(run.path)  # run.json, data-manifest.json, evaluation.json (model_card)
    emitter.emit(finished)
    return finished


SHARDED_EVALUATION_NOTE = (
    "The check of how close the tuned model sounds to your writing is skipped when the model "
    "is split over several GPUs (FSDP). The model is saved: open the run in the app to try it."
)
EVALUATION_FAILED_NOTE = (
    "The check of how close the tuned model sounds to your writing did not finish ({reason}). "
    "The model itself is saved: you can try it and share it."
)


def _evaluate_guarded(
    model: Any,
    tokenizer: Any,
    heldout: list[Any],
    config: RunConfig,
    run_dir: Path,
    emitter: Emitter,
    faults: Any = None,
) -> None:
    """The evaluation, which must never turn a saved run into a failed one.

    It runs after the adapter is saved; an error in it (out of memory while generating, a
    chat template that does not render) is reported in its own `report` event and kept in
    evaluation.json's note, which the run page and the model card show.
    """
    from engine.contract.events import Log, Report
    from engine.eval.compare import write_evaluation

    try:
        if faults is not None:
            faults.maybe_oom_in_evaluation()
        _evaluate(model, tokenizer, heldout, config, run_dir, emitter)
    except Exception as exc:
        import torch

        out_of_memory = isinstance(exc, torch.OutOfMemoryError | MemoryError)
        reason = "it ran out of memory" if out_of_memory else "an error stopped it"
        note = EVALUATION_FAILED_NOTE.format(reason=reason)
        kind = ErrorKind.OUT_OF_GPU_MEMORY if out_of_memory else ErrorKind.INTERNAL_ERROR
        error = {"kind": kind.value, "message": note, "detail": f"{type(exc).__name__}: {exc}"}
        with contextlib.suppress(OSError):
            write_evaluation(run_dir, {"note": note, "error": error})
        emitter.emit(Log(message=note, level="warning"))
        emitter.emit(Report(name="evaluation", body={"error": error, "note": note}))


def _refuse_too_big_for_the_cpu(name: str, model_folder: Path | None) -> None:
    """Without a GPU, refuse a model that would keep the processor busy for most of a day (or
    needs more memory than this computer has), in the Model step's own words
    (engine.contract.cpu_fit). The size comes from the catalog or the model's config.json."""
    import json

    from engine.contract.catalog import CatalogError, find, shape_from_config
    from engine.contract.cpu_fit import cpu_fit
    from engine.hardware import system_memory_gib

    try:
        entry = find(name)
        if entry is not None:
            shape = entry.shape
        elif model_folder is not None:
            config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
            shape = shape_from_config(config)
        else:
            return
    except (OSError, ValueError, CatalogError):
        return  # an unusual config: the loader will say what is wrong with it
    fit = cpu_fit(shape, system_memory_gib())
    if fit.badge == "too big":
        raise EngineError(ErrorKind.NO_GPU, fit.reason, detail=f"model: {name}")


def _evaluate(
    model: Any,
    tokenizer: Any,
    heldout: list[Any],
    config: RunConfig,
    run_dir: Path,
    emitter: Emitter,
) -> None:
    """Base versus tuned on the held-out examples: perplexity and style score.

    Written to evaluation.json for the run page and the model card. The event carries only
    the figures and the summary sentences: the generated samples quote the user's held-out
    prompts, so they stay in the run folder and never reach the event log.
    """
    from engine.contract.events import Log, Report
    from engine.eval.compare import evaluate_run, write_evaluation

    if not heldout:
        return
    emitter.emit(Log(message="Checking how close the tuned model sounds to your writing..."))
    model.eval()
    result = evaluate_run(
        model,
        tokenizer,
        heldout,
        max_tokens=config.data.max_example_tokens,
        seed=config.training.seed,
    )
    write_evaluation(run_dir, result)
    figures: dict[str, Any] = {
        key: result[key] for key in ("perplexity", "summary", "seconds") if key in result
    }
    if "style" in result:
        figures["style"] = {
            name: {"score": result["style"][name]["score"]} for name in ("base", "tuned")
        }
    emitter.emit(Report(name="evaluation", body=figures))


def _config_from_args(args: argparse.Namespace) -> RunConfig:
    """run.json from --config (or defaults) with the command line's choices on top."""
    try:
        config = RunConfig.load(args.config) if args.config else RunConfig()
        data: dict[str, Any] = {}
        if args.data:
            data["sources"] = tuple(str(Path(d).expanduser().resolve()) for d in args.data)
        for name in ("text_column", "prompt_column", "system_column", "sheet"):
            if getattr(args, name, None) is not None:
                data[name] = getattr(args, name)
        training: dict[str, Any] = {}
        if args.max_steps is not None:
            training["max_steps"] = args.max_steps
        if args.dial is not None:
            training["dial"] = args.dial
        config = config.replace(
            model=dataclasses.replace(config.model, name=args.model or config.model.name),
            data=dataclasses.replace(config.data, **data),
            training=dataclasses.replace(config.training, **training),
            name=args.name if args.name is not None else config.name,
            parent_run=str(args.parent.expanduser().resolve())
            if getattr(args, "parent", None) is not None
            else config.parent_run,
        )
    except ConfigError as exc:
        raise EngineError(ErrorKind.BAD_CONFIG, str(exc)) from exc
    if not config.data.sources:
        raise EngineError(ErrorKind.BAD_CONFIG, "Choose the writing to learn from (--data).")
    return config


def _apply_dial(config: RunConfig, prepared: Any, model_folder: Path) -> RunConfig:
    """Settings derived from the dial, the data size and the GPU (engine.contract.presets),
    including how many decoder layers the memory plan recomputes."""
    import json

    from engine.contract.catalog import shape_from_config
    from engine.contract.presets import derive, limit_steps
    from engine.hardware import gpu_report

    gpus = gpu_report()
    readiness = prepared.report.readiness
    shape = shape_from_config(json.loads((model_folder / "config.json").read_text("utf-8")))
    derived = derive(
        config.training.dial,
        example_count=max(1, readiness.train_examples),
        total_tokens=max(1, readiness.total_tokens),
        gpu_total_gib=gpus[0]["total_gib"] if gpus else None,
        model_shape=shape,
        gpu_name=gpus[0]["name"] if gpus else None,
    )
    training = dataclasses.replace(
        limit_steps(derived, config.training.max_steps), seed=config.training.seed
    )
    return config.replace(training=training, lora=derived.lora)
