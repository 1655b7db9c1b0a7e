"""Exports of the demo run: adapter, merged (logits match), safety checks, the CLI events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import ExportFinished, ExportProgress, Failed, parse_line

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def info(tiny_run: Path):
    from engine.chat.run_info import read_run

    return read_run(tiny_run)


def _prompt(info) -> object:
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(info.tokenizer_dir)
    text = "Our spring launch brings three new colours and a lighter frame."
    return torch.tensor([tokenizer(text)["input_ids"]])


def _adapter_logits(info, adapter_dir: Path):
    """Reference: the fp32 base with the adapter unmerged (a plain PeftModel)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(info.base_model_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir).eval()
    with torch.no_grad():
        return model(_prompt(info)).logits[0].float(), model


def test_adapter_export_loads_with_peft(info, tmp_path: Path) -> None:
    import torch

    from engine.export.exports import export_adapter

    result = export_adapter(info, tmp_path / "adapter")
    assert (result.path / "adapter_model.safetensors").exists()
    assert (result.path / "model-card.md").read_text(encoding="utf-8").strip()
    exported, _ = _adapter_logits(info, result.path)
    original, model = _adapter_logits(info, info.adapter_dir)
    with torch.no_grad(), model.disable_adapter():
        plain = model(_prompt(info)).logits[0]
    assert torch.equal(exported, original)
    assert (exported - plain).abs().max() > 1e-2  # the adapter is really there


@pytest.mark.parametrize(("dtype", "tolerance"), [("float32", 1e-4), ("auto", 0.15)])
def test_merged_logits_match_adapter_model(info, tmp_path: Path, dtype: str, tolerance: float):
    import torch
    from transformers import AutoModelForCausalLM

    from engine.export.exports import export_merged

    result = export_merged(info, tmp_path / "merged", dtype=dtype)
    merged = AutoModelForCausalLM.from_pretrained(result.path).eval()
    assert not (result.path / "adapter_config.json").exists()
    expected_dtype = torch.float32 if dtype == "float32" else torch.bfloat16
    assert merged.dtype == expected_dtype
    with torch.no_grad():  # compare in fp32: what differs is the merged weights alone
        got = merged.float()(_prompt(info)).logits[0]
    want, _ = _adapter_logits(info, info.adapter_dir)
    difference = (got - want).abs().max().item()
    print(f"merged {dtype}: max |logit difference| = {difference:.2e}")
    assert difference < tolerance
    agree = (got.argmax(-1) == want.argmax(-1)).float().mean().item()
    assert agree >= (1.0 if dtype == "float32" else 0.9)


def test_no_overwrite_and_atomic_rename(info, tmp_path: Path) -> None:
    from engine.export.common import staged_folder
    from engine.export.exports import export_adapter

    out = tmp_path / "adapter"
    export_adapter(info, out)
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(EngineError) as refused:
        export_adapter(info, out)
    assert refused.value.kind is ErrorKind.BAD_CONFIG and "already exists" in refused.value.message
    assert (out / "mine.txt").exists()
    export_adapter(info, out, overwrite=True)
    assert not (out / "mine.txt").exists() and (out / "adapter_config.json").exists()

    with pytest.raises(RuntimeError), staged_folder(tmp_path / "broken", overwrite=False) as f:
        (f / "half.bin").write_bytes(b"x")
        raise RuntimeError("crash while writing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]


def test_disk_check_names_the_size(tmp_path: Path) -> None:
    from engine.export.common import check_free_space

    check_free_space(tmp_path / "new" / "folder", 1024)
    with pytest.raises(EngineError) as full:
        check_free_space(tmp_path / "new", 5 * 10**15)
    assert full.value.kind is ErrorKind.DISK_FULL
    assert "5,000.0 TB" in full.value.message


def test_unsupported_architecture_is_refused() -> None:
    from engine.export.gguf_arch import arch_spec

    config = {"architectures": ["GPT2LMHeadModel"], "n_layer": 2}
    with pytest.raises(EngineError) as refused:
        arch_spec(config)
    assert refused.value.kind is ErrorKind.UNSUPPORTED_MODEL
    assert (
        "not supported yet" in refused.value.message and "GPT2LMHeadModel" in refused.value.message
    )


def test_export_command_events(tiny_run: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "engine", "export", "--run", str(tiny_run)]
    command += ["--format", "adapter", "--out", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def events() -> list:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        return [parse_line(line) for line in done.stdout.splitlines() if line.strip()]

    first = events()
    assert any(isinstance(e, ExportProgress) for e in first)
    finished = first[-1]
    assert isinstance(finished, ExportFinished) and finished.size_bytes > 0
    second = events()
    assert isinstance(second[-1], Failed) and second[-1].kind is ErrorKind.BAD_CONFIG
    assert json.loads((tmp_path / "out" / "adapter_config.json").read_text())["r"] == 8
