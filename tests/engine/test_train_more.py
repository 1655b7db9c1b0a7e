"""Train more: a run that continues a finished run's adapter on new writing.

Real 4-bit demo runs through the train command: a parent, then a child started from it and a
fresh run on the same new writing, compared on their first step's loss.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.__main__ import build_parser
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import StepProgress
from tests.engine.train_helpers import Recorder, examples


def _write_csv(path: Path, prefix: str, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(count):
            writer.writerow([f"{prefix} {example.source}: write a post.", example.response])
    return path


def _train(*arguments: str) -> Recorder:
    from engine.commands.train import execute

    recorder = Recorder()
    args = build_parser().parse_args(["train", "--model", "tiny-test", *arguments, "--no-evaluate"])
    execute(args, recorder)
    return recorder


@pytest.fixture(scope="module")
def parent(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parent")
    data = _write_csv(folder / "first.csv", "Spring", 30)
    _train("--data", str(data), "--output", str(folder / "run"), "--max-steps", "8")
    return folder / "run"


def test_a_child_starts_from_its_parents_adapter(parent: Path, tmp_path: Path) -> None:
    added = _write_csv(tmp_path / "added.csv", "Autumn", 24)
    common = ["--data", str(added), "--max-steps", "2", "--name", "more writing"]
    child = _train(*common, "--output", str(tmp_path / "child"), "--parent", str(parent))
    fresh = _train(*common, "--output", str(tmp_path / "fresh"))

    first_child = child.of(StepProgress)[0].loss
    first_fresh = fresh.of(StepProgress)[0].loss
    # The parent already learned this voice: its adapter starts far below a fresh one.
    print(f"first-step loss: child {first_child}, fresh {first_fresh}")
    assert first_child < first_fresh - 0.5, (first_child, first_fresh)

    record = json.loads((tmp_path / "child" / "run.json").read_text(encoding="utf-8"))
    assert record["config"]["parent_run"] == str(parent.resolve())
    lineage = record["parent"]
    parent_record = json.loads((parent / "run.json").read_text(encoding="utf-8"))
    assert lineage["created"] == parent_record["created"] and lineage["steps"] == 8
    parent_manifest = json.loads((parent / "data-manifest.json").read_text(encoding="utf-8"))
    assert lineage["data"]["train_examples"] == parent_manifest["train_examples"]
    assert "parent" not in json.loads((tmp_path / "fresh" / "run.json").read_text())

    card = (tmp_path / "child" / "model-card.md").read_text(encoding="utf-8")
    child_manifest = json.loads((tmp_path / "child" / "data-manifest.json").read_text())
    for manifest in (parent_manifest, child_manifest):  # both data sets, by fingerprint
        assert manifest["files"][0]["sha256"] in card
    assert "## Continued from earlier training" in card
    assert "Continued from" not in (tmp_path / "fresh" / "model-card.md").read_text()


def test_a_grandchild_keeps_the_whole_lineage(parent: Path, tmp_path: Path) -> None:
    added = _write_csv(tmp_path / "added.csv", "Winter", 20)
    _train(
        "--data",
        str(added),
        "--output",
        str(tmp_path / "child"),
        "--max-steps",
        "1",
        "--parent",
        str(parent),
    )
    _train(
        "--data",
        str(added),
        "--output",
        str(tmp_path / "grandchild"),
        "--max-steps",
        "1",
        "--parent",
        str(tmp_path / "child"),
    )
    record = json.loads((tmp_path / "grandchild" / "run.json").read_text(encoding="utf-8"))
    assert record["parent"]["run_dir"] == str((tmp_path / "child").resolve())
    assert record["parent"]["parent"]["run_dir"] == str(parent.resolve())
    card = (tmp_path / "grandchild" / "model-card.md").read_text(encoding="utf-8")
    assert "Before that (2)" in card


def test_a_different_lora_shape_is_refused_in_a_sentence(parent: Path, tmp_path: Path) -> None:
    settings = json.loads((parent / "run.json").read_text(encoding="utf-8"))["config"]
    settings["lora"]["rank"] = 4 if settings["lora"]["rank"] != 4 else 8
    settings["parent_run"] = str(parent)
    (tmp_path / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(EngineError) as caught:
        _train("--config", str(tmp_path / "settings.json"), "--output", str(tmp_path / "run"))
    assert caught.value.kind is ErrorKind.BAD_CONFIG
    assert "keep the earlier run's LoRA settings" in caught.value.message
    assert not (tmp_path / "run" / "adapter").exists()


def test_a_run_without_an_adapter_cannot_be_continued(parent: Path, tmp_path: Path) -> None:
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "run.json").write_bytes((parent / "run.json").read_bytes())
    added = _write_csv(tmp_path / "added.csv", "Summer", 20)
    with pytest.raises(EngineError) as caught:
        _train("--data", str(added), "--output", str(tmp_path / "run"), "--parent", str(unfinished))
    assert "no saved model yet" in caught.value.message


def test_a_child_resumes_without_its_parent(parent: Path, tmp_path: Path) -> None:
    import shutil

    from engine.train.checkpoint import latest_checkpoint

    copy = tmp_path / "parent-copy"
    shutil.copytree(parent, copy)
    added = _write_csv(tmp_path / "added.csv", "Harbour", 20)
    child = tmp_path / "child"
    _train("--data", str(added), "--output", str(child), "--max-steps", "3", "--parent", str(copy))
    assert latest_checkpoint(child / "checkpoints") is not None
    shutil.rmtree(copy)  # the parent deleted on the Runs page: the child's checkpoint suffices
    resumed = _train("--resume", str(child))
    assert resumed.of(StepProgress)[-1].step == 3
    assert json.loads((child / "run.json").read_text())["parent"]["run_dir"] == str(copy.resolve())
