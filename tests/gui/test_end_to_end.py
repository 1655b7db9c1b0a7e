"""The whole path on the real engine: "Try the demo" sets up the samples, Train runs a model.

Drives `python -m engine data` and `python -m engine train` as child processes through the
real pages, exactly as a user's clicks would: start, pause, resume, stop and save, then
resume the stopped run from its checkpoint to the end. Kept to a few steps, on the tiny test
model chosen as a local folder (the real demo model's own run is in tests/real_model).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract.paths import assets_dir
from gui.main_window import MainWindow
from gui.steps.train.controller import RunState

ROOT = Path(__file__).resolve().parents[2]
TRAIN_COMMAND = ROOT / "engine" / "commands" / "train.py"
SAMPLES = assets_dir() / "samples" / "brand_voice.csv"
MAX_STEPS = 20

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        "not available yet" in TRAIN_COMMAND.read_text(encoding="utf-8"),
        reason="engine/commands/train.py is still the placeholder",
    ),
    pytest.mark.skipif(not SAMPLES.exists(), reason="the bundled samples are missing"),
]


def test_data_step_to_a_finished_run_on_the_real_engine(
    qtbot, _private_data_dir: Path, tiny_model: Path
):
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.show()
    window.start_demo()
    assert window.train_page.dial.value() == "quick"  # the demo is a first try: least time
    window.model_page.set_model(str(tiny_model))  # a model folder: seconds, not minutes
    page = window.train_page
    controller = window.controller
    if hasattr(window.data_page, "selection"):
        # The real Data step reads the samples with `engine data`; Train takes its counts.
        qtbot.waitUntil(lambda: page.selection.examples > 0, timeout=120_000)
        assert page.selection.examples > 100 and page.selection.total_tokens > 0
        assert "Expected time" in page.estimate.text()
    page.show_error_dialogs = False
    page.advanced.max_steps.setValue(MAX_STEPS)
    failures: list[object] = []
    controller.sig_failed.connect(failures.append)
    run_dir = page.start()
    assert run_dir is not None

    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=180_000)
    page.pause_button.click()
    qtbot.waitUntil(lambda: controller.state == RunState.PAUSED, timeout=60_000)
    assert page.pause_button.text().strip() == "Resume"
    page.pause_button.click()
    qtbot.waitUntil(lambda: controller.state == RunState.TRAINING, timeout=60_000)
    page.stop_button.click()
    qtbot.waitUntil(lambda: not controller.is_active, timeout=120_000)
    assert controller.state == RunState.STOPPED, failures
    assert (run_dir / "adapter" / "adapter_config.json").exists()
    assert page.try_button.isVisibleTo(page)

    # Resume continues the same folder from its checkpoint and runs to the step limit.
    resumed_from: list[int] = []
    controller.sig_run_started.connect(lambda e: resumed_from.append(e.resumed_from_step))
    window.resume_run(run_dir)
    qtbot.waitUntil(lambda: not controller.is_active, timeout=240_000)
    assert controller.state == RunState.FINISHED, failures
    assert resumed_from and resumed_from[0] > 0
    assert controller.last_progress is not None and controller.last_progress.step == MAX_STEPS
    assert page.chart is not None and page.chart.steps[0] == 1  # the curve before the stop too
    assert page.chart.steps[-1] == MAX_STEPS
    assert (run_dir / "events.jsonl").exists()
