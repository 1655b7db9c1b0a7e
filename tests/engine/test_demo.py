"""The offline demo model: built locally, cached, a Llama with a chat template and eos."""

from __future__ import annotations

import json
from pathlib import Path

from engine.demo import DEMO_VERSION, END_TOKEN, MARKER, ensure_demo_model


def test_demo_model_folder_holds_safetensors_tokenizer_and_marker(demo_model: Path) -> None:
    assert (demo_model / "model.safetensors").is_file()
    assert (demo_model / "tokenizer.json").is_file()
    assert not list(demo_model.glob("*.bin"))
    config = json.loads((demo_model / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert json.loads((demo_model / MARKER).read_text())["version"] == DEMO_VERSION


def test_demo_model_is_cached(demo_model: Path) -> None:
    before = (demo_model / "model.safetensors").stat().st_mtime_ns
    again = ensure_demo_model(demo_model.parents[1])
    assert again == demo_model
    assert (demo_model / "model.safetensors").stat().st_mtime_ns == before


def test_demo_rebuilds_when_version_marker_differs(tmp_path: Path) -> None:
    folder = ensure_demo_model(tmp_path)
    (folder / MARKER).write_text(json.dumps({"version": "old"}))
    rebuilt = ensure_demo_model(tmp_path)
    assert json.loads((rebuilt / MARKER).read_text())["version"] == DEMO_VERSION
    assert not [p for p in rebuilt.parent.iterdir() if p.name.startswith(".demo-build-")]


def test_demo_tokenizer_has_chat_template_ending_in_eos(demo_tokenizer) -> None:
    assert demo_tokenizer.eos_token == END_TOKEN
    text = demo_tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there."}],
        tokenize=False,
    )
    assert text.startswith("<|user|>\nHello<|end|>\n<|assistant|>\nHi there.<|end|>")
    ids = demo_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids.count(demo_tokenizer.eos_token_id) == 2
    assert demo_tokenizer.decode(demo_tokenizer("Write like me.")["input_ids"]) == "Write like me."
