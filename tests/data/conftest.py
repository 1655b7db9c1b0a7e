"""Shared helpers for the data-ingestion tests: small files written into tmp_path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.contract.config import DataSettings
from engine.contract.errors import EngineError, ErrorKind
from engine.data.prepare import PreparedData, prepare_examples

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "assets" / "samples"

LINES = [
    "Kettle on? Harbour Fog is back, smoky and soft and a little mysterious.",
    "Fog's in. Come and warm up by the window with something smoky in a big mug.",
    "Low Tide is bright, green and very quiet, like the harbour at six in the morning.",
    "Night Watch keeps the late shift company: malty, bready and completely honest.",
    "Salt Meadow is for lamps low and the day done; five minutes, then the sofa.",
    "Driftwood Chai takes the long way home and brings every spice with it.",
    "Sea Glass glows in the cup like something you found on the beach and kept.",
]


def prepare(*sources: Path | str, **settings: object) -> PreparedData:
    return prepare_examples(DataSettings(sources=tuple(str(s) for s in sources), **settings))


def expect_error(kind: ErrorKind, *sources: Path | str, **settings: object) -> EngineError:
    with pytest.raises(EngineError) as caught:
        prepare(*sources, **settings)
    assert caught.value.kind == kind, caught.value.message
    assert caught.value.message.endswith((".", ")")), caught.value.message
    return caught.value


def fingerprint(path: Path) -> tuple[int, str]:
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()
