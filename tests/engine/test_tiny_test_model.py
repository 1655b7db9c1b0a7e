"""The tiny test model: built locally, cached, a Llama with a chat template and eos."""

from __future__ import annotations

import json
from pathlib import Path

from engine.tiny_test_model import END_TOKEN, MARKER, TINY_TEST_VERSION, ensure_tiny_test_model


def test_tiny_test_model_folder_holds_safetensors_tokenizer_and_marker(tiny_model: Path) -> None:
    assert (tiny_model / "model.safetensors").is_file()
    assert (tiny_model / "tokenizer.json").is_file()
    assert not list(tiny_model.glob("*.bin"))
    config = json.loads((tiny_model / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert json.loads((tiny_model / MARKER).read_text())["version"] == TINY_TEST_VERSION


def test_tiny_test_model_is_cached(tiny_model: Path) -> None:
    before = (tiny_model / "model.safetensors").stat().st_mtime_ns
    again = ensure_tiny_test_model(tiny_model.parents[1])
    assert again == tiny_model
    assert (tiny_model / "model.safetensors").stat().st_mtime_ns == before


def test_tiny_test_rebuilds_when_version_marker_differs(tmp_path: Path) -> None:
    folder = ensure_tiny_test_model(tmp_path)
    (folder / MARKER).write_text(json.dumps({"version": "old"}))
    rebuilt = ensure_tiny_test_model(tmp_path)
    assert json.loads((rebuilt / MARKER).read_text())["version"] == TINY_TEST_VERSION
    assert not [p for p in rebuilt.parent.iterdir() if p.name.startswith(".tiny-test-build-")]


def test_tiny_test_tokenizer_has_chat_template_ending_in_eos(tiny_tokenizer) -> None:
    assert tiny_tokenizer.eos_token == END_TOKEN
    text = tiny_tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there."}],
        tokenize=False,
    )
    assert text.startswith("<|user|>\nHello<|end|>\n<|assistant|>\nHi there.<|end|>")
    ids = tiny_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids.count(tiny_tokenizer.eos_token_id) == 2
    assert tiny_tokenizer.decode(tiny_tokenizer("Write like me.")["input_ids"]) == "Write like me."
