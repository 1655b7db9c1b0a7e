"""Train more on the Train step: the new run keeps its parent's model and settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.contract.config import LoraSettings, ModelSettings, RunConfig, TrainingSettings
from gui.core.selection import DataSelection
from gui.steps.train.controller import RunController
from gui.steps.train.page import TrainPage
from tests.gui.conftest import train_script

SELECTION = DataSelection(
    sources=("more-posts.csv",), text_column="post", examples=60, total_tokens=7_000
)


@pytest.fixture
def train_page(qtbot, fake_engine) -> Iterator[TrainPage]:
    page = TrainPage(RunController(fake_engine(train_script(3))))
    qtbot.addWidget(page)
    yield page
    page.controller.shutdown()


def _parent(tmp_path: Path) -> Path:
    config = RunConfig(
        model=ModelSettings(name="tiny-test"),
        lora=LoraSettings(rank=32, alpha=64),
        training=TrainingSettings(dial="thorough", learning_rate=1e-3, epochs=3.0),
    )
    run = tmp_path / "parent"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"config": config.to_dict()}), encoding="utf-8")
    return run


def test_the_plan_continues_the_parent(train_page: TrainPage, tmp_path: Path) -> None:
    parent = _parent(tmp_path)
    train_page.set_model("Qwen/Qwen2.5-0.5B-Instruct")  # chosen earlier: the parent's wins
    assert train_page.set_parent_run(parent) == ""
    train_page.set_selection(SELECTION)
    assert train_page.plan is not None
    config = train_page.plan.config
    assert config.parent_run == str(parent)
    assert config.model.name == "tiny-test"
    assert (config.lora.rank, config.lora.alpha) == (32, 64)
    assert config.training.learning_rate == 1e-3 and config.training.epochs == 3.0
    assert config.data.sources == ("more-posts.csv",)
    assert "Training more" in train_page.summary.text()
    assert train_page.start_button.isEnabled()

    train_page._on_summary_link("fresh")  # "start fresh instead"
    assert train_page.plan.config.parent_run == ""
    assert train_page.plan.config.model.name == "Qwen/Qwen2.5-0.5B-Instruct"


def test_an_unreadable_parent_is_refused_in_a_sentence(
    train_page: TrainPage, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    problem = train_page.set_parent_run(broken)
    assert problem.startswith("That run cannot be continued:") and "JSON" in problem
    assert train_page.parent_run is None
