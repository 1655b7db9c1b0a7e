"""`python -m engine <command>`: the engine's command line (see docs/architecture.md).

Each command lives in `engine.commands.<name>` with `add_arguments(parser)` and
`run(args, emitter) -> int`; it is imported only when chosen, so `doctor` stays quick.
An EngineError becomes a typed `failed` event; anything else becomes `internal_error`
with the traceback as detail, never a bare stack trace on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import Failed
from engine.emit import Emitter
from engine.sealing import seal
from engine.train.ranks import launched_rank

COMMANDS = {
    "doctor": "Report this computer's Python, torch, GPUs, bitsandbytes and free disk.",
    "data": "Read training data and report what the model would learn from.",
    "train": "Train a style adapter with 4-bit QLoRA.",
    "chat": "Chat with a trained run (JSON requests on stdin).",
    "export": "Export a run as an adapter, a merged model or a GGUF file.",
    "selftest": "Convert the demo model and train it a few steps (checks an installation).",
    "server": "Write a run's folder for training on a server (accelerate launch).",
    "open": "Bring a run trained elsewhere (a server's run folder) into this computer's runs.",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quillora-engine", description=__doc__)
    parser.add_argument(
        "--pretty", action="store_true", help="readable lines instead of JSON lines"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, summary in COMMANDS.items():
        command_parser = sub.add_parser(name, help=summary, description=summary)
        command_parser.add_argument("--pretty", action="store_true", default=argparse.SUPPRESS)
        module = importlib.import_module(f"engine.commands.{name}")
        module.add_arguments(command_parser)
    return parser


def _claim_stdout() -> TextIO:
    """Keep file descriptor 1 for events alone; anything else printing goes to stderr.

    Libraries (and native code) sometimes print warnings to stdout; one such line in the
    event stream would be a protocol error for the GUI, so fd 1 is moved aside first.
    """
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return open(events_fd, "w", encoding="utf-8", buffering=1, closefd=True)


def needs_network(args: argparse.Namespace) -> bool:
    """Only training on a Hub model that is not fully downloaded yet may use the network."""
    if args.command != "train":
        return False
    from engine.commands.train import model_of
    from engine.sealing import cached_hub_snapshot, is_hub_id

    model = model_of(args)
    if model is None:  # an unreadable settings file: the command itself reports it
        return False
    return is_hub_id(model.name) and cached_hub_snapshot(model.name, model.revision) is None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if launched_rank() == 0:
        emitter = Emitter(stream=_claim_stdout(), pretty=True if args.pretty else None)
    else:  # accelerate launch: process 0 alone writes events; the others' failures, to stderr
        emitter = Emitter(stream=sys.stderr, pretty=True)
    module = importlib.import_module(f"engine.commands.{args.command}")
    try:
        # Before the ML stack is imported: no Hub code, and offline unless a download is due.
        seal(network=needs_network(args))
        return int(module.run(args, emitter))
    except EngineError as exc:
        emitter.emit(Failed(kind=exc.kind, message=exc.message, detail=exc.detail))
        return 2
    except KeyboardInterrupt:
        emitter.emit(Failed(kind=ErrorKind.CANCELLED, message="Stopped by the user."))
        return 130
    except Exception as exc:  # the last line of defence: report, never crash silently
        emitter.emit(
            Failed(
                kind=ErrorKind.INTERNAL_ERROR,
                message="Something went wrong inside Quillora's engine.",
                detail="".join(traceback.format_exception(exc)),
            )
        )
        return 1
    finally:
        emitter.close()


if __name__ == "__main__":
    sys.exit(main())
