"""Events: every type survives a JSON line round trip; bad lines are protocol errors."""

from __future__ import annotations

import json

import pytest

from engine.contract.control import control_line, parse_control_line
from engine.contract.errors import ErrorKind
from engine.contract.events import (
    EVENT_TYPES,
    PROTOCOL_VERSION,
    Failed,
    ProtocolError,
    StepProgress,
    UnknownEvent,
    parse_line,
)


def test_step_progress_round_trips() -> None:
    event = StepProgress(
        step=3,
        total_steps=10,
        loss=2.5,
        learning_rate=1e-4,
        tokens_per_second=1200.0,
        memory_gib=1.5,
        eta_seconds=12.0,
    )
    line = event.to_line()
    data = json.loads(line)
    assert data["v"] == PROTOCOL_VERSION and data["type"] == "step_progress"
    assert parse_line(line) == event


def test_failed_carries_its_kind_as_a_string() -> None:
    event = Failed(kind=ErrorKind.DISK_FULL, message="The disk is full.", resumable=True)
    data = json.loads(event.to_line())
    assert data["kind"] == "disk_full"
    assert parse_line(event.to_line()) == event


def test_unknown_kind_becomes_internal_error() -> None:
    line = json.dumps({"v": 1, "type": "failed", "kind": "martians", "message": "x"})
    event = parse_line(line)
    assert isinstance(event, Failed) and event.kind is ErrorKind.INTERNAL_ERROR


def test_unknown_type_is_kept_not_dropped() -> None:
    event = parse_line(json.dumps({"v": 2, "type": "hologram", "x": 1}))
    assert isinstance(event, UnknownEvent) and event.raw["x"] == 1


def test_newer_fields_are_ignored() -> None:
    line = json.dumps({"v": 1, "type": "paused", "step": 4, "time": 1.0, "future": True})
    assert parse_line(line).to_dict()["step"] == 4


@pytest.mark.parametrize(
    "line", ["not json", "[1,2]", '{"type": "paused"}', '{"v": 1, "type": "paused"}']
)
def test_malformed_lines_are_protocol_errors(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_line(line)


def test_nan_is_refused_at_the_source() -> None:
    event = StepProgress(
        step=1,
        total_steps=1,
        loss=float("nan"),
        learning_rate=0.0,
        tokens_per_second=0.0,
        memory_gib=0.0,
        eta_seconds=0.0,
    )
    with pytest.raises(ValueError):
        event.to_line()


def test_every_event_type_is_registered_once() -> None:
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES))
    assert {"run_started", "step_progress", "evaluation", "finished", "failed"} <= set(EVENT_TYPES)


def test_control_lines() -> None:
    assert parse_control_line(control_line("stop")) == "stop"
    assert parse_control_line("garbage") is None
    assert parse_control_line('{"cmd": "explode"}') is None
