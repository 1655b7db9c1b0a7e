"""The whole path on the real engine: the Data step reads the samples, Train runs the demo model.

Drives `python -m engine data` and `python -m engine train --model demo` as child processes
through the real pages, exactly as a user's clicks would; a few steps keep it under a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract.paths import assets_dir
from gui.main_window import MainWindow
from gui.run_controller import RunState

ROOT = Path(__file__).resolve().parents[2]
TRAIN_COMMAND = ROOT / "engine" / "commands" / "train.py"
SAMPLES = assets_dir() / "samples" / "brand_voice.csv"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        "not available yet" in TRAIN_COMMAND.read_text(encoding="utf-8"),
        reason="engine/commands/train.py is still the placeholder",
    ),
    pytest.mark.skipif(not SAMPLES.exists(), reason="the bundled samples are missing"),
]


def test_data_step_to_a_finished_run_on_the_real_engine(qtbot, _private_data_dir: Path):
    window = MainWindow(background_work=False)
    qtbot.addWidget(window)
    window.show()
    window.start_demo()
    page = window.train_page
    if hasattr(window.data_page, "selection"):
        # The real Data step reads the samples with `engine data`; Train takes its counts.
        qtbot.waitUntil(lambda: page.selection.examples > 0, timeout=120_000)
        assert page.selection.examples > 100 and page.selection.total_tokens > 0
        assert "Expected time" in page.estimate.text()
    page.show_error_dialogs = False
    page.advanced.max_steps.setValue(3)
    failures: list[object] = []
    window.controller.sig_failed.connect(failures.append)
    run_dir = page.start()
    assert run_dir is not None
    qtbot.waitUntil(lambda: not window.controller.is_active, timeout=240_000)
    assert not failures, failures
    assert window.controller.state == RunState.FINISHED
    assert (run_dir / "adapter" / "adapter_config.json").exists()
    assert page.chart is not None and len(page.chart.steps) == 3
    assert (run_dir / "events.jsonl").exists()
