"""The Train step's page: what it lets the user start, the dial's plan, a run's progress."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.contract.config import RunConfig
from gui.core.selection import DataSelection
from gui.steps.train.controller import RunController, RunState
from gui.steps.train.page import TrainPage
from tests.gui.conftest import train_script

SELECTION = DataSelection(
    sources=("posts.csv",), text_column="post", examples=120, total_tokens=14_000
)


@pytest.fixture
def train_page(qtbot, fake_engine) -> Iterator[TrainPage]:
    page = TrainPage(RunController(fake_engine(train_script(3))))
    qtbot.addWidget(page)
    yield page
    page.controller.shutdown()


def test_start_needs_a_model_and_data(train_page: TrainPage):
    assert not train_page.start_button.isEnabled()
    assert "Model step" in train_page.start_reason.text()
    train_page.set_model("demo")
    assert not train_page.start_button.isEnabled()
    assert "Data step" in train_page.start_reason.text()
    train_page.set_selection(SELECTION)
    assert train_page.start_button.isEnabled()
    assert train_page.start_reason.text() == ""


def test_the_dial_derives_settings_and_an_estimate(train_page: TrainPage):
    train_page.set_model("demo")
    train_page.set_selection(SELECTION)
    quick = train_page.plan
    train_page.dial.set_value("thorough")
    thorough = train_page.plan
    assert quick is not None and thorough is not None
    assert thorough.config.training.dial == "thorough"
    assert thorough.config.lora.rank > quick.config.lora.rank
    assert thorough.estimated_seconds and "Expected time" in train_page.estimate.text()
    assert train_page.advanced.values["rank"].text() == str(thorough.config.lora.rank)
    assert all(label.toolTip() for label in train_page.advanced.values.values())


def test_a_model_too_big_for_the_gpu_cannot_start(train_page: TrainPage):
    report = {"gpus": [{"name": "Tiny GPU", "total_gib": 2.0}]}
    train_page.set_doctor_report(report)
    train_page.set_model("meta-llama/Llama-3.1-8B-Instruct")
    train_page.set_selection(SELECTION)
    # 8B weights in 4-bit take about 4 GB before anything else: never within 2 GiB.
    assert train_page.plan is not None and train_page.plan.fits is False
    assert not train_page.start_button.isEnabled()
    assert "too big" in train_page.start_reason.text()
    train_page.set_doctor_report({"gpus": [{"name": "Big GPU", "total_gib": 80.0}]})
    assert train_page.start_button.isEnabled()


def test_start_runs_and_shows_progress(qtbot, train_page: TrainPage, monkeypatch, tmp_path):
    train_page.set_model("demo")
    train_page.set_selection(SELECTION)
    train_page.advanced.max_steps.setValue(3)
    run_dir = train_page.start()
    assert run_dir is not None
    request = json.loads((run_dir / "gui-request.json").read_text())
    assert RunConfig.from_dict(request).training.max_steps == 3
    qtbot.waitUntil(lambda: train_page.controller.state == RunState.FINISHED, timeout=15000)
    assert train_page.progress.value() == train_page.progress.maximum() == 3
    assert train_page.try_button.isVisibleTo(train_page)
    assert train_page.chart is not None and len(train_page.chart.steps) == 3


def test_cancel_asks_first(qtbot, train_page: TrainPage, monkeypatch):
    asked: list[str] = []

    def no(*args, **kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    cancelled: list[bool] = []
    monkeypatch.setattr(train_page.controller, "cancel", lambda: cancelled.append(True))
    train_page._on_cancel_clicked()
    assert asked == ["Cancel this run?"] and not cancelled
