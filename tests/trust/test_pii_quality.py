"""Regression floors for the scanner's precision and recall on the labelled set.

The figures come from bench/pii_eval.py (overlap matching, see its docstring). The floors
sit a little below the measured values so that small tweaks pass and real regressions fail.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from engine.contract.config import PII_KINDS

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "trust" / "data" / "pii_labelled.jsonl"

FLOORS = {  # kind: (precision, recall)
    "email": (0.95, 0.95),
    "card": (0.95, 0.95),
    "iban": (0.95, 0.95),
    "ip": (0.9, 0.9),
    "url_token": (0.9, 0.9),
    "phone": (0.9, 0.85),
    "address": (0.9, 0.7),
    "name": (0.93, 0.95),
}


@pytest.fixture(scope="module")
def report() -> dict:
    spec = importlib.util.spec_from_file_location("pii_eval", ROOT / "bench" / "pii_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate(LABELLED)


def test_labelled_set_is_big_varied_and_well_formed() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    assert sum(1 for row in rows if not row["spans"]) >= 100  # tricky negatives
    assert len({row["text"] for row in rows}) == len(rows)
    for row in rows:
        for span in row["spans"]:
            assert span["kind"] in PII_KINDS
            assert 0 <= span["start"] < span["end"] <= len(row["text"])
            assert (
                row["text"][span["start"] : span["end"]].strip()
                == (row["text"][span["start"] : span["end"]])
            )


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_precision_and_recall_floors(report: dict, kind: str) -> None:
    figures = report["kinds"][kind]
    precision_floor, recall_floor = FLOORS[kind]
    assert figures["support"] >= 10
    assert figures["precision"] >= precision_floor, figures
    assert figures["recall"] >= recall_floor, figures
