"""Model resolution and loading: the test model, folders, refusing pickles, offline Hub ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.contract.errors import EngineError, ErrorKind
from engine.modeling import resolve_model

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_test_model_and_local_folders_resolve(
    tiny_model: Path, quillora_data_dir: Path
) -> None:
    assert resolve_model("tiny-test", root=quillora_data_dir) == tiny_model
    assert resolve_model(str(tiny_model)) == tiny_model


def test_pickle_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (tmp_path / "pytorch_model.bin").write_bytes(b"not really a pickle")
    with pytest.raises(EngineError) as error:
        resolve_model(str(tmp_path))
    assert error.value.kind == ErrorKind.UNSUPPORTED_MODEL
    assert "pytorch_model.bin" in error.value.detail


def test_missing_folder_and_uncached_offline_hub_id_are_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(EngineError) as error:
        resolve_model(str(tmp_path / "nowhere"))
    assert error.value.kind == ErrorKind.MODEL_NOT_FOUND
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(EngineError) as error:
        resolve_model("quillora-tests/no-such-model")
    assert error.value.kind == ErrorKind.MODEL_NOT_FOUND


def test_selective_checkpointing_recomputes_only_the_planned_layers(tiny_model: Path) -> None:
    import torch

    from engine.contract.config import LoraSettings
    from engine.fast.checkpointing import decoder_layers
    from engine.modeling import attach_lora, choose_placement, load_4bit_model

    base = load_4bit_model(tiny_model, choose_placement(), True, checkpointed_layers=1)
    model = attach_lora(base, LoraSettings(rank=4, alpha=8))
    model.train()
    assert [layer.gradient_checkpointing for layer in decoder_layers(model)] == [True, False]
    ids = torch.tensor([[5, 40, 41, 42, 43, 44]])
    model(input_ids=ids, labels=ids, use_cache=False).loss.backward()
    grads = [p.grad for n, p in model.named_parameters() if "lora_B" in n]  # A gets none yet
    assert grads and all(g is not None and float(g.abs().sum()) > 0 for g in grads)


def test_download_progress_is_measured_from_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import huggingface_hub.constants

    from engine.contract.events import DownloadProgress
    from engine.modeling import _DownloadWatcher
    from tests.engine.train_helpers import Recorder

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    blobs = tmp_path / "models--org--tiny" / "blobs"
    blobs.mkdir(parents=True)
    recorder = Recorder()
    with _DownloadWatcher("org/tiny", 1000, recorder):
        (blobs / "part.incomplete").write_bytes(b"x" * 400)
        time.sleep(1.5)
    progress = recorder.of(DownloadProgress)
    assert progress[0].downloaded_bytes == 400 and progress[0].total_bytes == 1000
    assert progress[-1].downloaded_bytes == 1000  # the finished download reports all of it
