"""Quillora's K-quant encoder, checked block by block by the `gguf` library's own decoder,
and the 4-bit GGUF exports of the demo run read back through it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.export.kquants import BLOCK_BYTES, quantize_k

ROOT = Path(__file__).resolve().parents[2]
# Worst block's RMS error relative to that block's RMS, on Gaussian weights; the library's
# Q4_0 and Q5_0 (as many bits or more) on the same blocks are the yardstick.
K_TYPES = {"q4_k": ("Q4_K", "Q4_0"), "q5_k": ("Q5_K", "Q5_0"), "q6_k": ("Q6_K", "Q5_0")}


def _blocks() -> np.ndarray:
    """Gaussian rows plus the awkward blocks: zeros, a constant, one sign, one outlier."""
    rng = np.random.default_rng(3)
    rows = (rng.standard_normal((24, 512)) * 0.02).astype(np.float32)
    rows[0, :256] = 0.0
    rows[1, :256] = 0.37
    rows[2, :256] = np.abs(rows[2, :256])
    rows[3, :256] = -np.abs(rows[3, :256])
    rows[4, 17] = 1.5
    rows[5, 256:] *= 1e-6
    return rows


@pytest.mark.parametrize("ktype", sorted(K_TYPES))
def test_every_block_decodes_close_to_the_input(ktype: str) -> None:
    import gguf

    rows = _blocks()
    qtype = gguf.GGMLQuantizationType[K_TYPES[ktype][0]]
    encoded = quantize_k(rows, ktype)  # type: ignore[arg-type]
    assert encoded.dtype == np.uint8 and encoded.shape == (24, 2 * BLOCK_BYTES[ktype])
    assert encoded.shape == gguf.quants.quant_shape_to_byte_shape(rows.shape, qtype)
    decoded = gguf.quants.dequantize(encoded, qtype).reshape(rows.shape)

    reference_type = gguf.GGMLQuantizationType[K_TYPES[ktype][1]]
    reference = gguf.quants.dequantize(gguf.quants.quantize(rows, reference_type), reference_type)
    for index, (ours, theirs, original) in enumerate(
        zip(
            decoded.reshape(-1, 256),
            reference.reshape(-1, 256),
            rows.reshape(-1, 256),
            strict=True,
        )
    ):
        scale = float(np.abs(original).max())
        if scale == 0.0:
            assert np.all(ours == 0.0), f"block {index}: zeros must stay zeros"
            continue
        error = float(np.sqrt(np.mean((ours - original) ** 2)))
        yardstick = float(np.sqrt(np.mean((theirs - original) ** 2)))
        # Each block: no worse than the library's simpler type of about the same size (with
        # a margin for f16 scale rounding), and never off by more than one level anywhere.
        assert error <= yardstick * 1.05 + scale * 1e-3, f"block {index}: {error} > {yardstick}"
        if scale < 1e-4:
            continue  # below f16's normal range the block scale itself rounds to zero
        levels = {"q4_k": 15, "q5_k": 31, "q6_k": 63}[ktype]
        step = (float(original.max()) - min(float(original.min()), 0.0)) / levels
        assert np.abs(ours - original).max() <= 2 * step + scale * 1e-3, f"block {index}"
    assert np.allclose(decoded[1, :256], 0.37, rtol=2e-3)  # a constant block stays constant


def test_rows_that_do_not_fit_a_block_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 256"):
        quantize_k(np.zeros((2, 96), dtype=np.float32), "q4_k")


def test_recipe_matches_llama_cpp_q4_k_m() -> None:
    """Q6_K for the output and for attn_v/ffn_down where llama.cpp's use_more_bits says."""
    from engine.export.gguf_writer import target_type

    def name(layer: int, part: str) -> str:
        return target_type(f"blk.{layer}.{part}.weight", (4096, 4096), "q4_k_m", 32, False).name

    more = [i for i in range(32) if name(i, "ffn_down") == "Q6_K"]
    assert more == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]  # 1/8s, 3rds
    assert name(31, "attn_v") == "Q6_K" and name(10, "attn_q") == "Q4_K"
    assert target_type("output.weight", (50000, 4096), "q4_k_m", 32, True).name == "Q6_K"
    assert target_type("token_embd.weight", (50000, 4096), "q4_k_m", 32, False).name == "Q4_K"
    assert target_type("blk.0.attn_q.weight", (576, 576), "q4_k_m", 30, False).name == "Q5_0"
    assert target_type("blk.0.attn_q.weight", (576, 576), "q5_k_m", 30, False).name == "Q5_0"
    assert target_type("blk.0.attn_v.weight", (64, 576), "q5_k_m", 30, False).name == "Q8_0"
    assert target_type("blk.0.attn_norm.weight", (576,), "q4_k_m", 30, False).name == "F32"
    assert target_type("blk.0.attn_q.weight", (64, 64), "q4_0", 30, False).name == "Q4_0"


def _readback_logits(path: Path, info, spec, ids):
    import torch
    from transformers import AutoModelForCausalLM

    from engine.export.gguf_readback import load_into

    model = AutoModelForCausalLM.from_pretrained(info.base_model_dir, dtype=torch.float32).eval()
    types = load_into(model, path, spec)
    with torch.no_grad():
        return model(ids).logits[0], types


def test_low_bit_exports_read_back(gguf_exports, tiny_run: Path) -> None:
    """Each file's types follow its recipe, and the model computed from the file strays from
    f16 in the order of the bits it keeps: q8_0 < q5_k_m < q4_k_m < q4_0.

    (The tiny test model's logits are nearly flat, so its top token is a coin toss between
    near-ties; the top-token figure is measured on SmolLM2's real weights by
    bench/gguf_quant.py.)
    """
    import gguf
    import torch
    from transformers import AutoTokenizer

    from engine.chat.run_info import read_run
    from engine.export.gguf_arch import arch_spec

    info = read_run(tiny_run)
    spec = arch_spec(json.loads((info.base_model_dir / "config.json").read_text()))
    tokenizer = AutoTokenizer.from_pretrained(info.tokenizer_dir)
    text = (
        "Good writing is clear before it is clever. Say the one thing the reader needs, "
        "then stop. Our spring launch brings three new colours and a lighter frame."
    )
    ids = torch.tensor([tokenizer(text)["input_ids"]])
    f16 = gguf_exports("f16")
    reference, _ = _readback_logits(f16.path, info, spec, ids)
    centred = (reference - reference.mean(-1, keepdim=True)).norm()

    expected = {  # quant: (file type, most matrices, output and the "more bits" layers)
        "q8_0": (7, "Q8_0", "Q8_0"),
        "q5_k_m": (17, "Q5_K", "Q6_K"),
        "q4_k_m": (15, "Q4_K", "Q6_K"),
        "q4_0": (2, "Q4_0", "Q6_K"),
    }
    errors = []
    for quant, (file_type, low, high) in expected.items():
        result = gguf_exports(quant)
        reader = gguf.GGUFReader(str(result.path))
        assert reader.fields["general.file_type"].contents() == file_type
        assert result.path.name.endswith(f"-{quant}.gguf")
        logits, types = _readback_logits(result.path, info, spec, ids)
        assert types["blk.0.attn_q.weight"] == low and types["output.weight"] == high
        if quant.endswith("_k_m"):  # two layers: llama.cpp gives the last one more bits
            assert types["blk.0.ffn_down.weight"] == low
            assert types["blk.1.ffn_down.weight"] == types["blk.1.attn_v.weight"] == high
        assert types["blk.0.attn_norm.weight"] == "F32"
        errors.append(float((logits - reference).norm() / centred))
    assert errors == sorted(errors), errors
    assert errors[-2] < 0.6 and errors[0] < 0.06, errors
    sizes = [gguf_exports(q).path.stat().st_size for q in ("f16", "q8_0", "q5_k_m", "q4_k_m")]
    assert sizes == sorted(sizes, reverse=True)


def test_quantization_flag_on_the_command_line(tiny_run: Path, tmp_path: Path) -> None:
    from engine.contract.events import ExportFinished, Failed, parse_line

    def export(*extra: str) -> list:
        command = [sys.executable, "-m", "engine", "export", "--run", str(tiny_run)]
        command += ["--format", "gguf", "--out", str(tmp_path / extra[-1]), "--no-ollama"]
        command += list(extra[:-1])
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        return [parse_line(line) for line in done.stdout.splitlines() if line.strip()] + [
            done.stderr
        ]

    made = export("--quantization", "q5_k_m", "a")
    assert isinstance(made[-2], ExportFinished) and made[-2].path.endswith("-q5_k_m.gguf")
    default = export("b")
    assert isinstance(default[-2], ExportFinished) and default[-2].path.endswith("-q4_k_m.gguf")
    refused = export("--quantization", "q3_k", "c")
    assert "invalid choice" in refused[-1] and not any(isinstance(e, Failed) for e in refused)
