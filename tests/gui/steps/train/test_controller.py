"""The run controller's state machine against the scripted fake engine."""

from __future__ import annotations

import json
from pathlib import Path

from engine.contract.config import RunConfig
from engine.contract.errors import ErrorKind
from engine.contract.events import Failed, Finished
from gui.steps.train.controller import RunController, RunState
from tests.gui.conftest import train_script


def _controller(qtbot, base: list[str], **kwargs) -> tuple[RunController, list[RunState]]:
    controller = RunController(base, **kwargs)
    states: list[RunState] = []
    controller.sig_state_changed.connect(states.append)
    return controller, states


def _wait_final(qtbot, controller: RunController) -> None:
    qtbot.waitUntil(lambda: not controller.is_active and controller._child is None, timeout=15000)


def test_a_run_goes_from_preparing_to_finished(qtbot, fake_engine, tmp_path: Path):
    controller, states = _controller(qtbot, fake_engine(train_script(3)))
    progress: list[object] = []
    finished: list[Finished] = []
    controller.sig_progress.connect(progress.append)
    controller.sig_finished.connect(finished.append)
    run_dir = controller.start(RunConfig(), tmp_path / "run")
    _wait_final(qtbot, controller)
    assert states == [RunState.PREPARING, RunState.TRAINING, RunState.FINISHED]
    assert len(progress) == 3 and finished[0].steps == 3
    assert (run_dir / "gui-request.json").exists() and (run_dir / "engine.pid").exists()


def test_pause_and_resume_follow_the_engine(qtbot, fake_engine, tmp_path: Path):
    script = [
        *train_script(1, finish=False),
        {"wait_cmd": "pause"},
        {"emit": {"type": "paused", "step": 1}},
        {"wait_cmd": "resume"},
        {"emit": {"type": "resumed", "step": 1}},
        {
            "emit": {
                "type": "finished",
                "run_dir": "R",
                "adapter_dir": "R/a",
                "steps": 1,
                "final_loss": 1.0,
                "best_heldout_loss": None,
                "seconds": 1.0,
            }
        },
    ]
    controller, states = _controller(qtbot, fake_engine(script))
    controller.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=10000)
    assert controller.pause()
    qtbot.waitUntil(lambda: controller.state == RunState.PAUSED, timeout=10000)
    assert controller.resume()
    _wait_final(qtbot, controller)
    assert states[-3:] == [RunState.PAUSED, RunState.TRAINING, RunState.FINISHED]


def test_a_crash_without_an_event_fails_with_the_stderr_tail(qtbot, fake_engine, tmp_path):
    script = [
        *train_script(1, finish=False),
        {"stderr": "Segmentation fault in libcuda"},
        {"exit": 139},
    ]
    controller, states = _controller(qtbot, fake_engine(script))
    failed: list[Failed] = []
    controller.sig_failed.connect(failed.append)
    controller.start(RunConfig(), tmp_path / "run")
    _wait_final(qtbot, controller)
    assert states[-1] == RunState.FAILED
    assert failed[0].kind is ErrorKind.INTERNAL_ERROR
    assert "Segmentation fault" in failed[0].detail and "139" in failed[0].detail


def test_out_of_memory_is_a_typed_failure(qtbot, fake_engine, tmp_path: Path):
    script = [
        *train_script(1, finish=False),
        {
            "emit": {
                "type": "micro_batch_reduced",
                "step": 1,
                "micro_batch_size": 1,
                "accumulation_steps": 8,
            }
        },
        {
            "emit": {
                "type": "failed",
                "kind": "out_of_gpu_memory",
                "message": "Out of GPU memory.",
                "resumable": True,
            }
        },
        {"exit": 2},
    ]
    controller, states = _controller(qtbot, fake_engine(script))
    failed: list[Failed] = []
    notices: list[str] = []
    controller.sig_failed.connect(failed.append)
    controller.sig_notice.connect(notices.append)
    controller.start(RunConfig(), tmp_path / "run")
    _wait_final(qtbot, controller)
    assert states[-1] == RunState.FAILED
    assert failed[0].kind is ErrorKind.OUT_OF_GPU_MEMORY
    assert notices and "smaller" in notices[0]


def test_a_malformed_line_is_counted_and_the_run_goes_on(qtbot, fake_engine, tmp_path: Path):
    script = train_script(2)
    script.insert(3, {"raw": "Warning: something printed to stdout"})
    controller, states = _controller(qtbot, fake_engine(script))
    controller.start(RunConfig(), tmp_path / "run")
    _wait_final(qtbot, controller)
    assert controller.protocol_errors == 1
    assert states[-1] == RunState.FINISHED


def test_stop_and_save_that_the_engine_ignores_ends_in_kill(qtbot, fake_engine, tmp_path: Path):
    script = [{"ignore_term": True}, *train_script(1, finish=False), {"sleep": 60}]
    controller, states = _controller(qtbot, fake_engine(script), stop_timeout=0.3, kill_after=0.3)
    notices: list[str] = []
    controller.sig_notice.connect(notices.append)
    controller.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=10000)
    controller.stop_and_save()
    assert controller.state == RunState.FINISHING
    _wait_final(qtbot, controller)
    assert states[-1] == RunState.STOPPED
    assert notices and "checkpoint" in notices[-1]


def test_stop_and_save_that_the_engine_honours(qtbot, fake_engine, tmp_path: Path):
    script = [
        *train_script(1, finish=False),
        {"wait_cmd": "stop"},
        {
            "emit": {
                "type": "finished",
                "run_dir": "R",
                "adapter_dir": "R/a",
                "steps": 1,
                "final_loss": 1.0,
                "best_heldout_loss": None,
                "seconds": 1.0,
                "reason": "stopped",
            }
        },
    ]
    controller, states = _controller(qtbot, fake_engine(script))
    controller.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=10000)
    controller.stop_and_save()
    _wait_final(qtbot, controller)
    assert states[-2:] == [RunState.FINISHING, RunState.STOPPED]


def test_cancel_ends_cancelled(qtbot, fake_engine, tmp_path: Path):
    script = [*train_script(1, finish=False), {"wait_cmd": "cancel"}, {"exit": 130}]
    controller, states = _controller(qtbot, fake_engine(script))
    controller.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=10000)
    controller.cancel()
    _wait_final(qtbot, controller)
    assert states[-1] == RunState.CANCELLED


def test_keep_in_background_then_reattach(qtbot, fake_engine, tmp_path: Path):
    script = [*train_script(1, finish=False), {"sleep": 1.0}, *train_script(3)[2:]]
    first, _ = _controller(qtbot, fake_engine(script))
    run_dir = first.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: first.state == RunState.TRAINING, timeout=10000)
    first.keep_in_background()
    assert first.state == RunState.IDLE
    second, states = _controller(qtbot, [])
    progress: list[object] = []
    second.sig_progress.connect(progress.append)
    assert second.attach(run_dir)
    _wait_final(qtbot, second)
    assert states[-1] == RunState.FINISHED
    assert len(progress) >= 4  # the replayed history and the rest


def test_resume_continues_the_same_folder(qtbot, fake_engine, tmp_path: Path, monkeypatch):
    argv_log = tmp_path / "argv.jsonl"
    monkeypatch.setenv("FAKE_ENGINE_ARGV", str(argv_log))
    controller, _ = _controller(qtbot, fake_engine(train_script(2)))
    run_dir = controller.start(RunConfig(), tmp_path / "run")
    _wait_final(qtbot, controller)
    progress: list[object] = []
    controller.sig_progress.connect(progress.append)
    controller.resume_run(run_dir)
    _wait_final(qtbot, controller)
    assert controller.state == RunState.FINISHED
    assert len(progress) == 2  # only the resumed run's events, not the first run's again
    first, second = (json.loads(line) for line in argv_log.read_text().splitlines())
    assert first[:2] == ["train", "--config"] and "--output" in first
    assert second == ["train", "--resume", str(run_dir)]


def test_a_reattached_run_can_be_cancelled(qtbot, fake_engine, tmp_path: Path):
    script = [*train_script(1, finish=False), {"sleep": 60}]
    first, _ = _controller(qtbot, fake_engine(script))
    run_dir = first.start(RunConfig(), tmp_path / "run")
    qtbot.waitUntil(lambda: first.state == RunState.TRAINING, timeout=10000)
    first.keep_in_background()
    second, states = _controller(qtbot, [])
    assert second.attach(run_dir) and second.is_attached
    qtbot.waitUntil(lambda: second.state == RunState.TRAINING, timeout=10000)
    assert not second.pause()  # no control line to a run we did not start
    second.cancel()
    _wait_final(qtbot, second)
    assert states[-1] == RunState.CANCELLED
