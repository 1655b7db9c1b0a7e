"""Two training runs at once on one computer: the second is refused with RUN_BUSY.

The lock (engine.safety.run_lock) is an OS file lock in the data folder, so a run that was
SIGKILLed leaves only a stale file, which the next run takes over without asking anyone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.contract.errors import EngineError, ErrorKind
from engine.safety.run_lock import LOCK_NAME, RunLock, is_held, read_holder
from tests.reliability.engine_runner import EngineChild, of_type, run_engine, saw


def test_a_second_run_is_refused_while_one_trains_and_a_killed_one_frees_the_gpu(
    run_config: Callable[..., Path], quillora_data_dir: Path, tmp_path: Path
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first = EngineChild(
        ["train", "--config", str(run_config(max_steps=40)), "--output", str(first_dir)],
        tmp_path,
        name="first",
    ).start()
    try:
        lock = quillora_data_dir / LOCK_NAME
        second_argv = ["train", "--config", str(run_config()), "--output", str(second_dir)]
        # Wait until the first one trains, then try a second one.
        _wait_for(lambda: bool(of_type(first.events(), "step_progress")), first)
        assert is_held(lock) and read_holder(lock)["pid"] == first.pid
        second = run_engine(second_argv, tmp_path, "second")
        assert second.process.exitcode == 2, second.tail()
        events = second.events()
        assert [e["type"] for e in events] == ["failed"]
        assert events[0]["kind"] == "run_busy"
        assert "first" in events[0]["message"] and "Wait" in events[0]["message"]
        assert not second_dir.exists(), "a refused run must not leave a run folder"
        assert first.process.is_alive(), "the refused run must not disturb the first"
    finally:
        first.process.kill()  # SIGKILL: the lock file stays behind, stale
        first.process.join(30)
    assert lock.exists() and not is_held(lock)
    third = EngineChild(second_argv, tmp_path, name="third").start()
    assert third.kill_when(saw("run_started")), third.tail()
    assert of_type(third.events(), "run_started"), "a stale lock blocked a new run"


def test_stale_lock_file_from_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    path.write_text(json.dumps({"pid": 999_999_999, "run_dir": "/gone"}))
    assert not is_held(path)
    with RunLock(path).acquire(tmp_path / "mine") as lock:
        assert read_holder(lock.path)["pid"] == os.getpid()
        with pytest.raises(EngineError) as busy:
            RunLock(path).acquire(tmp_path / "other")
        assert busy.value.kind == ErrorKind.RUN_BUSY
        assert "mine" in busy.value.message
    assert not is_held(path)


def _wait_for(condition: Callable[[], bool], child: EngineChild, seconds: float = 180) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert child.process.is_alive(), child.tail()
        time.sleep(0.05)
    raise AssertionError(child.tail())
