"""EngineProcess against the scripted fake engine: events, bad lines, exit, stop escalation."""

from __future__ import annotations

import time
from pathlib import Path

from engine.contract.errors import ErrorKind
from engine.contract.events import Failed, RunStarted, StepProgress
from gui.core.engine_process import EngineProcess
from tests.gui.conftest import train_script


def _collect(proc: EngineProcess) -> tuple[list[object], list[str], list[int]]:
    events: list[object] = []
    errors: list[str] = []
    exits: list[int] = []
    proc.sig_event.connect(events.append)
    proc.sig_protocol_error.connect(errors.append)
    proc.sig_exited.connect(exits.append)
    return events, errors, exits


def test_events_arrive_in_order_and_bad_lines_are_skipped(qtbot, fake_engine, tmp_path: Path):
    script = train_script(2)
    script.insert(1, {"raw": "this is not json"})
    script.insert(2, {"raw": '{"v": 1}'})
    proc = EngineProcess(fake_engine(script), stderr_path=tmp_path / "err.log")
    events, errors, exits = _collect(proc)
    with qtbot.waitSignal(proc.sig_exited, timeout=10000):
        proc.start()
    proc.wait()
    assert isinstance(events[0], RunStarted)
    assert [e.step for e in events if isinstance(e, StepProgress)] == [1, 2]
    assert len(errors) == 2
    assert exits == [0]


def test_file_mode_tails_the_events_file(qtbot, fake_engine, tmp_path: Path):
    proc = EngineProcess(
        fake_engine(train_script(3)), events_path=tmp_path / "run" / "stdout.jsonl"
    )
    events, errors, exits = _collect(proc)
    with qtbot.waitSignal(proc.sig_exited, timeout=10000):
        proc.start()
    proc.wait()
    assert len([e for e in events if isinstance(e, StepProgress)]) == 3
    assert not errors and exits == [0]


def test_a_missing_program_reports_a_failed_event(qtbot, tmp_path: Path):
    proc = EngineProcess([str(tmp_path / "no-such-engine")])
    events, _, exits = _collect(proc)
    with qtbot.waitSignal(proc.sig_exited, timeout=5000):
        proc.start()
    proc.wait()
    assert isinstance(events[0], Failed) and events[0].kind is ErrorKind.INTERNAL_ERROR
    assert exits == [127]


def test_stop_that_is_ignored_escalates_to_kill(qtbot, fake_engine, tmp_path: Path):
    script = [{"ignore_term": True}, {"emit": {"type": "log", "message": "hi"}}, {"sleep": 60}]
    proc = EngineProcess(fake_engine(script), stderr_path=tmp_path / "err.log")
    events, _, exits = _collect(proc)
    proc.start()
    qtbot.waitUntil(lambda: bool(events), timeout=5000)
    started = time.monotonic()
    with qtbot.waitSignal(proc.sig_exited, timeout=10000):
        proc.stop_gracefully(timeout=0.3, kill_after=0.3)
    proc.wait()
    assert time.monotonic() - started < 5
    assert exits and exits[0] < 0  # killed by a signal
