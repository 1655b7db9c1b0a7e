"""Runs that travel, from the Runs page, with the real engine (gui.travel).

The quick test opens a run folder as a server gives it back. The slow one is the whole trip:
the page writes the server folder for a real demo run, its launch.sh trains on 2 CPU
processes under accelerate, and the page opens the result back (QUILLORA_SCREENSHOTS=DIR
saves the page as runs-travel-opened.png there).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from engine.contract.paths import runs_dir
from gui.steps.runs.page import RunsPage
from tests.gui.steps.runs.test_detail import make_run

ROOT = Path(__file__).resolve().parents[4]


def _texts(page: RunsPage) -> str:
    return "\n".join(label.text() for label in page.findChildren(QLabel))


def _adapter(run: Path) -> None:
    """A real (tiny) adapter file pair, written with safetensors' own writer."""
    import torch
    from safetensors.torch import save_file

    adapter = run / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
    save_file({"lora_A": torch.zeros(8, 4)}, str(adapter / "adapter_model.safetensors"))


def test_opening_a_server_run_adds_it_to_the_list(qtbot, tmp_path: Path) -> None:
    server = tmp_path / "quillora-server-brand"
    run = make_run(server, "run")
    record = json.loads((run / "run.json").read_text())
    record["config"]["model"]["name"] = "HuggingFaceTB/SmolLM2-135M-Instruct"  # not downloaded
    (run / "run.json").write_text(json.dumps(record))
    _adapter(run)

    page = RunsPage()
    qtbot.addWidget(page)
    page.refresh()
    assert page.summaries == []
    with qtbot.waitSignal(page.sig_run_opened, timeout=60_000) as opened:
        page.open_finished_run(server)
    assert opened.args[0] == runs_dir() / "quillora-server-brand-from-server"
    assert [s.path for s in page.summaries] == [opened.args[0]]
    assert "download its base model" in page.travel_note.text()


def test_a_folder_that_is_not_a_run_says_so(qtbot, tmp_path: Path) -> None:
    page = RunsPage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.travel.sig_failed, timeout=60_000) as failed:
        page.open_finished_run(tmp_path)
    assert failed.args[0].kind.value == "model_not_found"
    assert "not a Quillora run" in failed.args[0].message
    assert page.error_dialog is not None and page.error_dialog.isVisible()
    assert page.open_button.isEnabled()
    page.error_dialog.close()


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_whole_trip_to_a_server_and_back(qtbot, tmp_path: Path) -> None:
    data = tmp_path / "posts.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for i in range(40):
            writer.writerow([f"Announce product {i}.", f"Meet product {i}: lighter, made to last."])
    local = runs_dir() / "20261204-120000-brand"
    command = [sys.executable, "-m", "engine", "train", "--model", "tiny-test", "--data", str(data)]
    env = dict(os.environ, QUILLORA_CPU_THREADS="1", PYTHONPATH=str(ROOT))
    subprocess.run(
        [*command, "--output", str(local), "--max-steps", "6", "--no-evaluate"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=240,
    )  # fmt: skip

    page = RunsPage()
    page.resize(1100, 640)
    qtbot.addWidget(page)
    page.refresh()
    server = tmp_path / "quillora-server-brand"
    with qtbot.waitSignal(page.sig_server_folder_written, timeout=120_000):
        page.send_to_server(local, server)

    env["QUILLORA_PYTHON"] = sys.executable  # this environment instead of installing one
    trip = subprocess.run(
        [str(server / "launch.sh")], env=env, capture_output=True, text=True, timeout=300
    )
    assert trip.returncode == 0, trip.stderr[-3000:]
    finished = json.loads(trip.stdout.splitlines()[-2])
    assert finished["type"] == "finished" and finished["processes"] == 2

    with qtbot.waitSignal(page.sig_run_opened, timeout=120_000) as opened:
        page.open_finished_run(server / "run")
    assert len(page.summaries) == 2
    back = next(s for s in page.summaries if s.path == opened.args[0])
    assert back.from_elsewhere and back.processes == 2 and back.state == "finished"
    assert "trained on a server on 2 processes" in _texts(page)
    shots = os.environ.get("QUILLORA_SCREENSHOTS")
    if shots:
        from PySide6.QtWidgets import QApplication

        from gui.widgets.theme import apply_theme

        apply_theme(QApplication.instance(), dark=False)  # as the app shows it
        page.show()
        qtbot.wait(200)
        page.grab().save(str(Path(shots) / "runs-travel-opened.png"))
