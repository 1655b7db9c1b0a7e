"""A .gguf file as a base model: converted once (cached), same predictions, refusals in words.

The file is the tiny test run's own GGUF export (f16), so the conversion's output can be
compared with the merged model that was written into it; the refused files are written
with the `gguf` library's own writer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.contract.errors import EngineError, ErrorKind
from engine.modeling import resolve_model


@pytest.fixture(scope="module")
def gguf_file(gguf_exports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the tiny run's f16 GGUF export (a user's file elsewhere on disk)."""
    exported = gguf_exports("f16").path
    return Path(shutil.copy(exported, tmp_path_factory.mktemp("users-models") / exported.name))


def test_a_gguf_file_converts_once_and_predicts_like_the_merged_model(
    gguf_file: Path, tiny_run: Path, quillora_data_dir: Path
) -> None:
    import io

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.chat.run_info import read_run
    from engine.contract.events import Log
    from engine.emit import Emitter
    from engine.export.merged import load_merged

    before = gguf_file.read_bytes()
    emitter = Emitter(io.StringIO(), pretty=False)
    folder = resolve_model(str(gguf_file), emitter=emitter, root=quillora_data_dir)
    notes = [e.message for e in emitter.history if isinstance(e, Log)]
    assert len(notes) == 1 and gguf_file.name in notes[0] and "once" in notes[0]
    assert folder.is_relative_to(quillora_data_dir / "cache" / "converted-gguf")
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert json.loads((folder / "config.json").read_text())["dtype"] == "bfloat16"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".gguf-convert-")]
    assert gguf_file.read_bytes() == before  # the user's file is only read

    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert resolve_model(str(gguf_file), emitter=emitter, root=quillora_data_dir) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # cached, not redone
    assert len([e for e in emitter.history if isinstance(e, Log)]) == 1  # no second notice

    info = read_run(tiny_run)
    original = AutoTokenizer.from_pretrained(info.tokenizer_dir)
    converted = AutoTokenizer.from_pretrained(folder)
    text = "Our spring launch brings three new colours. Try it this Saturday!"
    chat = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi."}]
    assert converted(text)["input_ids"] == original(text)["input_ids"]
    assert converted.eos_token_id == original.eos_token_id
    assert converted.apply_chat_template(chat, tokenize=False) == original.apply_chat_template(
        chat, tokenize=False
    )

    ids = torch.tensor([original(text)["input_ids"]])
    merged = load_merged(info, "float32").eval()
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    with torch.no_grad():
        want = merged(ids).logits[0].numpy()
        got = model(ids).logits[0].numpy()
    # f16 in the file, bf16 in the folder: close, and the same next-token choices.
    assert np.abs(got - want).max() < 0.1 * np.abs(want).max()
    assert (got.argmax(-1) == want.argmax(-1)).mean() > 0.9


def _write_gguf(path: Path, architecture: str) -> Path:
    import gguf

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_an_architecture_the_converter_does_not_know_is_refused_in_words(
    tmp_path: Path, quillora_data_dir: Path
) -> None:
    path = _write_gguf(tmp_path / "whisper-small.gguf", "whisper")
    with pytest.raises(EngineError) as error:
        resolve_model(str(path), root=quillora_data_dir)
    assert error.value.kind == ErrorKind.UNSUPPORTED_MODEL
    assert "'whisper' model" in error.value.message and "Llama" in error.value.message
    assert not list((quillora_data_dir / "cache" / "converted-gguf").glob("whisper-small-*"))


def test_a_file_that_is_not_gguf_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "notes.gguf"
    fake.write_text("these are my notes, not a model")
    with pytest.raises(EngineError) as error:
        resolve_model(str(fake), root=tmp_path)
    assert error.value.kind == ErrorKind.UNSUPPORTED_MODEL
    assert "notes.gguf" in error.value.message
    with pytest.raises(EngineError) as error:
        resolve_model(str(tmp_path / "gone.gguf"), root=tmp_path)
    assert error.value.kind == ErrorKind.MODEL_NOT_FOUND
