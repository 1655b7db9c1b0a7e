"""Placeholder until this command lands."""

from __future__ import annotations

import argparse

from engine.contract.errors import EngineError, ErrorKind
from engine.emit import Emitter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    raise EngineError(ErrorKind.INTERNAL_ERROR, "This command is not available yet.")
