"""A run that travels: the server folder's contents, and a finished run opened back.

The run is a real 4-step demo run; the folder is checked with the tools the server will use
(accelerate's own config reader, bash's syntax check, the engine's data reader).
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from engine.__main__ import build_parser
from engine.contract.config import RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.server.kit import KitRequest, write_kit
from engine.server.opening import open_run
from tests.engine.train_helpers import Recorder, examples


@pytest.fixture(scope="module")
def finished_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from engine.commands.train import execute

    folder = tmp_path_factory.mktemp("local")
    data = folder / "brand.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "text"])
        for example in examples(30):
            writer.writerow([f"{example.source}: write a post.", example.response])
    command = [
        "train",
        "--model",
        "tiny-test",
        "--data",
        str(data),
        "--output",
        str(folder / "run"),
    ]
    args = build_parser().parse_args([*command, "--max-steps", "4", "--no-evaluate"])
    execute(args, Recorder())
    return folder / "run"


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_the_server_folder_holds_what_the_server_needs(finished_run: Path, tmp_path: Path) -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    from engine.data.prepare import prepare_examples

    kit = write_kit(KitRequest(finished_run, tmp_path / "kit", processes=2, gpus=False), Recorder())

    settings = RunConfig.load(kit / "settings.json")
    original = RunConfig.from_dict(json.loads((finished_run / "run.json").read_text())["config"])
    assert settings.training == original.training and settings.lora == original.lora
    assert settings.data.sources == ("data/examples.csv",)
    # The server reads the prepared examples back into the same examples.
    here = prepare_examples(original.data, Recorder(), seed=original.training.seed)
    at_server = replace(settings.data, sources=(str(kit / "data" / "examples.csv"),))
    travelled = prepare_examples(at_server, Recorder(), seed=settings.training.seed)
    texts = sorted((e.prompt, e.response) for e in here.train + here.heldout)
    assert sorted((e.prompt, e.response) for e in travelled.train + travelled.heldout) == texts

    manifest = json.loads((kit / "data" / "data-manifest.json").read_text())
    assert manifest == json.loads((finished_run / "data-manifest.json").read_text())
    assert "pii" in json.loads((kit / "data" / "pii-report.json").read_text())

    # accelerate's own reader takes both configurations.
    parallel = load_config_from_file(str(kit / "accelerate" / "data-parallel.yaml"))
    assert parallel.distributed_type == "MULTI_CPU" and parallel.num_processes == 2
    fsdp = load_config_from_file(str(kit / "accelerate" / "fsdp-qlora.yaml"))
    assert fsdp.distributed_type == "FSDP"
    assert fsdp.fsdp_config["fsdp_use_orig_params"] is False
    assert fsdp.fsdp_config["fsdp_cpu_ram_efficient_loading"] is True
    assert "bnb_4bit_quant_storage" in (kit / "accelerate" / "fsdp-qlora.yaml").read_text()

    launch = kit / "launch.sh"
    assert launch.stat().st_mode & 0o111
    subprocess.run(["bash", "-n", str(launch)], check=True)
    assert "--require-hashes --no-deps -r quillora/lock/cuda.txt" in launch.read_text()
    for needed in ("engine/__main__.py", "pyproject.toml", "lock/cpu.txt", "assets"):
        assert (kit / "quillora" / needed).exists(), needed
    assert "tiny-test" in (kit / "README.md").read_text()  # the base model, named

    with pytest.raises(EngineError) as error:  # never into a folder that holds something
        write_kit(KitRequest(finished_run, kit), Recorder())
    assert error.value.kind == ErrorKind.BAD_CONFIG


def test_a_finished_run_opens_back_without_changing_the_chosen_folder(
    finished_run: Path, tmp_path: Path, quillora_data_dir: Path
) -> None:
    from engine.chat.run_info import read_run

    server = tmp_path / "quillora-server-demo"
    shutil.copytree(finished_run, server / "run")
    before = _tree_digest(server)

    opened, base_ready = open_run(server)
    assert base_ready
    assert opened.parent == quillora_data_dir / "runs"
    assert opened.name == "quillora-server-demo-from-server"
    assert not (opened / "checkpoints").exists()
    assert (opened / "adapter" / "adapter_model.safetensors").is_file()
    info = read_run(opened)
    assert (info.base_model_dir / "config.json").is_file()
    assert json.loads((opened / "run.json").read_text())["opened_from"] == str(server / "run")
    assert _tree_digest(server) == before

    again, _ = open_run(server)  # a second copy gets its own name
    assert again.name == "quillora-server-demo-from-server-2"


def test_a_folder_without_a_finished_run_is_refused(finished_run: Path, tmp_path: Path) -> None:
    with pytest.raises(EngineError) as error:
        open_run(tmp_path)
    assert error.value.kind == ErrorKind.MODEL_NOT_FOUND and "run.json" in error.value.message

    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "run.json").write_text((finished_run / "run.json").read_text())
    with pytest.raises(EngineError) as error:
        open_run(unfinished)
    assert "no finished adapter" in error.value.message
