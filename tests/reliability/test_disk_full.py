"""A full disk while checkpointing or exporting: DISK_FULL, nothing half-written looks done.

With root rights (CI containers, this machine) the run folder lives on a real 2 MB tmpfs, so
the operating system itself runs out of space during the second checkpoint; the folder is then
grown (`remount,size=`), as if the user freed space, and the run resumes to the end. Without
root the same path is driven by the engine's injected ENOSPC (QUILLORA_TEST_FAULTS).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.contract.errors import EngineError, ErrorKind
from tests.reliability.checks import assert_adapter_loads, assert_checkpoints_sound
from tests.reliability.engine_runner import of_type, run_engine


def _mount(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    if not _mount(folder, size):
        pytest.skip("mounting a small tmpfs needs root; the injected-ENOSPC test covers this")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _assert_disk_full_left_nothing_half_done(child_events: list[dict], run_dir: Path) -> None:
    failed = of_type(child_events, "failed")
    assert failed and failed[-1]["kind"] == "disk_full", child_events[-3:]
    assert "disk is full" in failed[-1]["message"].lower()
    assert "resume" in failed[-1]["message"].lower()
    assert not of_type(child_events, "finished")
    saved = [e["step"] for e in of_type(child_events, "checkpoint_saved")]
    assert saved, "the disk should have held at least one checkpoint"
    latest = assert_checkpoints_sound(run_dir)
    assert latest == saved[-1], "the previous checkpoint must survive"
    assert not list((run_dir / "checkpoints").glob(".tmp-step-*")), "staging left behind"
    assert not (run_dir / "adapter").exists()


def test_real_full_disk_during_a_checkpoint_then_resume_after_freeing_space(
    run_config: Callable[..., Path], tiny_model: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "2m") as disk:
        run_dir = disk / "run"
        argv = ["train", "--config", str(run_config(max_steps=8)), "--output", str(run_dir)]
        child = run_engine(argv, tmp_path, "full")
        assert child.process.exitcode == 2, child.tail()
        _assert_disk_full_left_nothing_half_done(child.events(), run_dir)
        assert json.loads((run_dir / "run.json").read_text())["state"] == "failed"

        # The user frees space: the same folder, now roomy, and the run resumes.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        resumed = run_engine(["train", "--resume", str(run_dir)], tmp_path, "resumed")
        assert resumed.process.exitcode == 0, resumed.tail()
        saved = of_type(child.events(), "checkpoint_saved")[-1]["step"]
        assert of_type(resumed.events(), "run_started")[0]["resumed_from_step"] == saved
        assert of_type(resumed.events(), "finished")[0]["steps"] == 8
        assert_adapter_loads(run_dir / "adapter", tiny_model)

        # Export onto a drive that is too small: refused up front, nothing left behind.
        with small_disk(tmp_path / "tiny", "256k") as tiny:
            out = tiny / "export"
            export = run_engine(
                ["export", "--run", str(run_dir), "--format", "adapter", "--out", str(out)],
                tmp_path,
                "export",
            )
            assert export.process.exitcode == 2, export.tail()
            failed = of_type(export.events(), "failed")
            assert failed and failed[0]["kind"] == "disk_full", export.tail()
            assert not out.exists() and not list(tiny.iterdir())


def test_injected_disk_full_during_a_checkpoint_then_resume(
    run_config: Callable[..., Path], tmp_path: Path
) -> None:
    """The same promise where mounting is not permitted: ENOSPC injected inside the write."""
    run_dir = tmp_path / "run"
    argv = ["train", "--config", str(run_config(max_steps=6)), "--output", str(run_dir)]
    child = run_engine(argv, tmp_path, "full", QUILLORA_TEST_FAULTS="enospc_at_step=4")
    assert child.process.exitcode == 2, child.tail()
    _assert_disk_full_left_nothing_half_done(child.events(), run_dir)
    resumed = run_engine(["train", "--resume", str(run_dir)], tmp_path, "resumed")
    assert resumed.process.exitcode == 0, resumed.tail()
    assert of_type(resumed.events(), "finished")[0]["steps"] == 6


def test_disk_filling_up_in_the_middle_of_an_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Space vanishes after the up-front check (another program filled the disk)."""
    import engine.export.exports as exports
    from engine.chat.run_info import read_run

    run_dir = _tiny_finished_run(tmp_path)
    monkeypatch.setattr(exports, "check_free_space", lambda out, needed: None)
    with small_disk(tmp_path / "tiny", "64k") as tiny:
        out = tiny / "export"
        with pytest.raises(EngineError) as caught:
            exports.export_run(read_run(run_dir), "adapter", out)
        assert caught.value.kind == ErrorKind.DISK_FULL, caught.value
        assert not out.exists(), "a partial export must not look finished"
        assert not list(tiny.iterdir()), "the staging folder must be removed"


def _tiny_finished_run(tmp_path: Path) -> Path:
    """A run folder whose adapter/ is 1 MB of real-looking files (no training needed)."""
    from engine.tiny_test_model import ensure_tiny_test_model

    run_dir = tmp_path / "finished"
    adapter = run_dir / "adapter"
    adapter.mkdir(parents=True)
    base = ensure_tiny_test_model()
    (adapter / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": str(base), "peft_type": "LORA", "r": 8})
    )
    (adapter / "adapter_model.safetensors").write_bytes(os.urandom(1024 * 1024))
    (run_dir / "run.json").write_text(
        json.dumps({"config": {"model": {"name": "tiny-test"}}, "base_model_path": str(base)})
    )
    return run_dir


def test_disk_filled_by_another_program_during_a_run(
    run_config: Callable[..., Path], tiny_model: Path, tmp_path: Path
) -> None:
    """Another program takes every free byte mid-run: even run.json cannot be updated, and
    the user still gets DISK_FULL (not an internal error); deleting the filler lets it resume."""
    import time

    from tests.reliability.engine_runner import EngineChild, saw

    with small_disk(tmp_path / "disk", "8m") as disk:
        run_dir = disk / "run"
        argv = ["train", "--config", str(run_config(max_steps=8)), "--output", str(run_dir)]
        child = EngineChild(argv, tmp_path, {"QUILLORA_FAULT": "slow_checkpoint",
                            "QUILLORA_FAULT_SECONDS": "1"}, "filled").start()  # fmt: skip
        deadline = time.monotonic() + 180
        while not saw("checkpoint_saved", step=2)(child):
            assert child.process.is_alive() and time.monotonic() < deadline, child.tail()
            time.sleep(0.01)
        filler = disk / "someone-elses-download.bin"
        with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 65536)
        assert child.wait() == 2, child.tail()
        failed = of_type(child.events(), "failed")
        assert failed and failed[-1]["kind"] == "disk_full", child.tail()
        assert assert_checkpoints_sound(run_dir) == 2
        assert not (run_dir / "adapter").exists()

        filler.unlink()  # the user frees space
        resumed = run_engine(["train", "--resume", str(run_dir)], tmp_path, "resumed")
        assert resumed.process.exitcode == 0, resumed.tail()
        assert of_type(resumed.events(), "finished")[0]["steps"] == 8
        assert_adapter_loads(run_dir / "adapter", tiny_model)
