"""`python -m engine open`: bring a run trained elsewhere into this computer's runs.

    python -m engine open --folder FOLDER

FOLDER is a run folder (or a server folder holding `run/`). Emits one `report` event named
"run_opened" with the new run folder and whether its base model is on this computer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.contract.events import Report
from engine.emit import Emitter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--folder", type=Path, required=True, help="the run folder to open")


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.server.opening import open_run

    run_dir, base_ready = open_run(args.folder)
    emitter.emit(
        Report(name="run_opened", body={"run_dir": str(run_dir), "base_model_ready": base_ready})
    )
    return 0
