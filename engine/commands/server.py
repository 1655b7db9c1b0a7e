"""`python -m engine server`: write a run's "Train on a server" folder (engine.server.kit).

    python -m engine server --run RUN_DIR --out FOLDER [--processes N] [--cpu]

Emits the data reading's log lines, then one `report` event named "server_folder" with the
folder's path and the command its launch script runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.contract.events import Report
from engine.emit import Emitter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", type=Path, required=True, help="the run whose settings travel")
    parser.add_argument("--out", type=Path, required=True, help="a new, empty folder to write")
    parser.add_argument("--processes", type=int, default=2, help="processes when no GPU is found")
    parser.add_argument("--cpu", action="store_true", help="a server without GPUs")


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.server.kit import KitRequest, write_kit

    request = KitRequest(args.run, args.out, max(1, args.processes), gpus=not args.cpu)
    folder = write_kit(request, emitter)
    emitter.emit(
        Report(
            name="server_folder",
            body={"folder": str(folder), "launch": str(folder / "launch.sh")},
        )
    )
    return 0
