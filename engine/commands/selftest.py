"""`python -m engine selftest`: convert the demo model and train it a few steps.

Checks an installation (or the frozen bundle) end to end without a network or a GPU: the
shipped GGUF file and its conversion, the data readers (on the bundled sample prose, or built-in
text when the samples are missing), 4-bit loading with bitsandbytes, LoRA, the training
loop and saving an adapter. The run is written to a temporary folder that is removed
afterwards; the converted demo model stays in the cache, where the app would make it anyway.
Ends with one `report` event named "selftest".
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engine.contract.events import Report, StepProgress
from engine.emit import Emitter

# Higher than a real run's: the check is that a few steps visibly lower the loss.
SELFTEST_LEARNING_RATE = 1e-3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=6, help="training steps to run")


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    import torch

    from engine.contract.config import ModelSettings, RunConfig, TrainingSettings
    from engine.demo import DEMO_MODEL, builtin_examples, ensure_demo_model
    from engine.run_folder import RunFolder, software_versions
    from engine.train.loop import TrainingJob, train

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="quillora-selftest-") as tmp:
        root = Path(tmp)
        folder = ensure_demo_model()
        config = RunConfig(
            model=ModelSettings(name=DEMO_MODEL),
            training=TrainingSettings(
                max_steps=args.steps,
                learning_rate=SELFTEST_LEARNING_RATE,
                warmup_fraction=0.0,
                sequence_length=256,
                micro_batch_size=2,
                gradient_accumulation=1,
                gradient_checkpointing=False,
                early_stopping_patience=0,
            ),
        )
        run_folder = RunFolder(root / "run").create()
        examples = _sample_examples() or builtin_examples()
        finished = train(TrainingJob(config, folder, examples, [], run_folder, emitter)).finished
        adapter_ok = (run_folder.adapter / "adapter_model.safetensors").is_file()
    losses = [e.loss for e in emitter.history if isinstance(e, StepProgress)]
    first, last = (losses[0], losses[-1]) if losses else (float("nan"), float("nan"))
    loss_fell = bool(losses) and last < first
    emitter.emit(
        Report(
            name="selftest",
            body={
                "ok": loss_fell and adapter_ok,
                "versions": software_versions(),
                "cuda": torch.cuda.is_available(),
                "steps": finished.steps,
                "first_loss": first,
                "last_loss": last,
                "loss_fell": loss_fell,
                "adapter_saved": adapter_ok,
                "seconds": round(time.monotonic() - started, 2),
            },
        )
    )
    return 0 if loss_fell and adapter_ok else 1


def _sample_examples() -> list:
    """The bundled sample prose (assets/samples/prose), read by the real data readers."""
    from engine.contract.config import DataSettings
    from engine.contract.errors import EngineError
    from engine.contract.paths import assets_dir
    from engine.data.prepare import prepare_examples

    folder = assets_dir() / "samples" / "prose"
    if not folder.is_dir():
        return []
    try:
        settings = DataSettings(sources=(str(folder),), heldout_fraction=0.0)
        return prepare_examples(settings).train
    except EngineError:
        return []
