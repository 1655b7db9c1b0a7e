"""The window crashes or is closed during a run: the engine's fate is the one the user chose.

Both tests run the real GUI controller (gui.steps.train.controller) in a separate process that owns a
real engine child, then end that process:
- killed without a choice (a crash): training keeps going on its own, a new window
  reattaches to it (RunController.attach), and its Stop-and-save still saves an adapter;
- closed with "Stop and save": the engine saves, exits and releases the GPU (no orphan).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gui.core import run_files
from gui.steps.train.controller import RunController, RunState
from tests.reliability.checks import assert_adapter_loads, assert_checkpoints_sound

ROOT = Path(__file__).resolve().parents[2]


def _start_window(config: Path, run_dir: Path, mode: str) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QUILLORA_CPU_THREADS="1")
    window = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.gui_host", str(config), str(run_dir), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert window.stdout is not None
    line = window.stdout.readline()  # blocks until the first training step (or an exit)
    assert line.startswith("TRAINING "), f"window said {line!r}; {window.wait(5)}"
    return window, int(line.split()[1])


def _alive(pid: int) -> bool:
    return run_files.pid_alive(pid)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_window_killed_engine_keeps_training_and_a_new_window_reattaches(
    qtbot, run_config: Callable[..., Path], tiny_model: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    window, engine_pid = _start_window(run_config(max_steps=60), run_dir, "crash")
    try:
        window.send_signal(signal.SIGKILL)
        window.wait(10)
        steps_then = _count_steps(run_dir)
        time.sleep(2.0)
        assert _alive(engine_pid), "the engine died with the window"
        assert _count_steps(run_dir) > steps_then, "the engine stopped training"

        # The app is reopened: it finds the live run and follows it.
        controller = RunController()
        assert controller.attach(run_dir)
        assert controller.is_attached
        with qtbot.waitSignal(controller.sig_progress, timeout=60_000):
            pass
        # The user now presses Stop and save in the reattached window (SIGINT to the engine).
        with qtbot.waitSignal(controller.sig_finished, timeout=120_000) as finished:
            controller.stop_and_save()
        assert finished.args[0].reason == "stopped"
        assert controller.state == RunState.STOPPED
        assert _wait_gone(engine_pid, 30)
        assert_checkpoints_sound(run_dir)
        assert_adapter_loads(run_dir / "adapter", tiny_model)
    finally:
        if _alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)


def test_window_closed_with_stop_and_save_leaves_no_engine_behind(
    run_config: Callable[..., Path], tiny_model: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    window, engine_pid = _start_window(run_config(max_steps=60), run_dir, "stop")
    try:
        assert window.wait(10) == 0
        assert _wait_gone(engine_pid, 90), "the engine kept running after Stop and save"
        events = [json.loads(line) for line in (run_dir / run_files.STDOUT_FILE).open()]
        finished = [e for e in events if e["type"] == "finished"]
        assert finished and finished[0]["reason"] == "stopped"
        assert finished[0]["steps"] < 60
        assert_adapter_loads(run_dir / "adapter", tiny_model)
        summary = run_files.summarize(run_dir)
        assert summary.state == "stopped" and not summary.live
    finally:
        if _alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)
            pytest.fail("engine still alive")


def _count_steps(run_dir: Path) -> int:
    try:
        text = (run_dir / run_files.STDOUT_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return text.count('"step_progress"')
