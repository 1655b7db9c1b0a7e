"""`python -m engine doctor`: a JSON report on what this computer can do."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.contract.events import Report
from engine.emit import Emitter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder to check")


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.hardware import doctor_report

    emitter.emit(Report(name="doctor", body=doctor_report(args.data_dir)))
    return 0
