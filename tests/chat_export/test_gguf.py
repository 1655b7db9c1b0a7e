"""The GGUF converter on the tiny test model: read back with gguf's own reader, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.export.gguf_arch import permute_for_rope

LAYER_TENSORS = (
    "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
    "ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
)  # fmt: skip


def _field(reader, key: str):
    return reader.fields[key].contents()


@pytest.fixture(scope="module")
def merged_state(tiny_run: Path):
    from engine.chat.run_info import read_run
    from engine.export.merged import load_merged

    return {
        k: v.numpy() for k, v in load_merged(read_run(tiny_run), "float32").state_dict().items()
    }


@pytest.mark.parametrize("quant", ["f16", "q8_0"])
def test_gguf_reads_back(quant: str, gguf_exports, tiny_base: Path, merged_state) -> None:
    import gguf
    from transformers import AutoTokenizer

    result = gguf_exports(quant)
    reader = gguf.GGUFReader(str(result.path))
    config = json.loads((tiny_base / "config.json").read_text())
    tokenizer = AutoTokenizer.from_pretrained(tiny_base)

    assert _field(reader, "general.architecture") == "llama"
    expected_type = {"f16": 1, "q8_0": 7}[quant]
    assert _field(reader, "general.file_type") == expected_type
    assert _field(reader, "llama.context_length") == config["max_position_embeddings"] == 2048
    hidden, ffn = config["hidden_size"], config["intermediate_size"]
    heads, vocab = config["num_attention_heads"], config["vocab_size"]
    assert _field(reader, "llama.embedding_length") == hidden
    assert _field(reader, "llama.block_count") == config["num_hidden_layers"]
    assert _field(reader, "llama.feed_forward_length") == ffn
    assert _field(reader, "llama.attention.head_count") == heads
    assert _field(reader, "llama.attention.head_count_kv") == config["num_key_value_heads"]
    assert _field(reader, "llama.rope.dimension_count") == hidden // heads
    assert _field(reader, "llama.vocab_size") == vocab
    assert _field(reader, "llama.rope.freq_base") == pytest.approx(10000.0)

    tokens = _field(reader, "tokenizer.ggml.tokens")
    assert _field(reader, "tokenizer.ggml.model") == "gpt2"
    assert _field(reader, "tokenizer.ggml.pre") == "gpt-2"
    assert tokens == tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    tokenizer_json = json.loads((tiny_base / "tokenizer.json").read_text())
    assert len(_field(reader, "tokenizer.ggml.merges")) == len(tokenizer_json["model"]["merges"])
    types = _field(reader, "tokenizer.ggml.token_type")
    assert types[tokenizer.convert_tokens_to_ids("<|end|>")] == 3  # control
    assert types[max(tokenizer_json["model"]["vocab"].values())] == 1  # a learnt piece
    assert _field(reader, "tokenizer.ggml.eos_token_id") == tokenizer.eos_token_id
    assert _field(reader, "tokenizer.ggml.bos_token_id") == tokenizer.bos_token_id
    assert _field(reader, "tokenizer.chat_template") == tokenizer.chat_template

    tensors = {t.name: t for t in reader.tensors}
    expected = {"token_embd.weight", "output_norm.weight"}
    if not config.get("tie_word_embeddings", False):
        expected.add("output.weight")  # a tied head is left out: llama.cpp reuses token_embd
    expected |= {
        f"blk.{i}.{n}.weight" for i in range(config["num_hidden_layers"]) for n in LAYER_TENSORS
    }
    assert set(tensors) == expected
    assert list(tensors["token_embd.weight"].shape) == [hidden, vocab]  # ggml order: ne0 first
    assert list(tensors["blk.0.ffn_gate.weight"].shape) == [hidden, ffn]
    assert list(tensors["blk.1.ffn_down.weight"].shape) == [ffn, hidden]
    matrix_type = {"f16": gguf.GGMLQuantizationType.F16, "q8_0": gguf.GGMLQuantizationType.Q8_0}
    assert tensors["blk.0.attn_q.weight"].tensor_type == matrix_type[quant]
    assert tensors["blk.0.attn_norm.weight"].tensor_type == gguf.GGMLQuantizationType.F32

    def values(name: str) -> np.ndarray:
        t = tensors[name]
        data = gguf.quants.dequantize(t.data, t.tensor_type)
        return np.asarray(data, dtype=np.float32).reshape(merged_shape(name))

    def merged_shape(name: str) -> tuple[int, ...]:
        return tuple(reversed([int(d) for d in tensors[name].shape]))

    tolerance = {"f16": 2e-3, "q8_0": 2e-2}[quant]
    q = merged_state["model.layers.0.self_attn.q_proj.weight"]
    np.testing.assert_allclose(
        values("blk.0.attn_q.weight"), permute_for_rope(q, heads), atol=tolerance
    )
    embed = merged_state["model.embed_tokens.weight"]
    np.testing.assert_allclose(values("token_embd.weight"), embed, atol=tolerance)
    v = merged_state["model.layers.1.self_attn.v_proj.weight"]
    np.testing.assert_allclose(values("blk.1.attn_v.weight"), v, atol=tolerance)

    modelfile = result.modelfile.read_text(encoding="utf-8")
    assert f"FROM ./{result.path.name}" in modelfile and 'PARAMETER stop "<|end|>"' in modelfile
    assert result.ollama_command[:2] == ("ollama", "create")
    assert result.path.parent.parent.name == "quillora"  # LM Studio: publisher/model/file.gguf
    assert (result.path.parent / "model-card.md").exists()


@pytest.mark.parametrize("arch", ["qwen2", "mistral"])
def test_other_families(arch: str, arch_runs, tmp_path: Path) -> None:
    """Qwen2 keeps q/k/v biases and NEOX rope (no permutation); Mistral is written as llama."""
    import gguf

    from engine.chat.run_info import read_run
    from engine.export.exports import export_gguf
    from engine.export.merged import load_merged

    info = read_run(arch_runs(arch))
    result = export_gguf(info, tmp_path / "out", "f16")
    reader = gguf.GGUFReader(str(result.path))
    tensors = {t.name: t for t in reader.tensors}
    assert _field(reader, "general.architecture") == ("qwen2" if arch == "qwen2" else "llama")
    prefix = "qwen2" if arch == "qwen2" else "llama"
    assert _field(reader, f"{prefix}.attention.head_count_kv") == 2
    assert list(tensors["blk.0.attn_k.weight"].shape) == [128, 64]
    assert ("blk.0.attn_q.bias" in tensors) == (arch == "qwen2")
    assert ("output.weight" in tensors) == (arch == "mistral")  # qwen2 here ties them
    q = load_merged(info, "float32").state_dict()["model.layers.0.self_attn.q_proj.weight"]
    stored = np.asarray(tensors["blk.0.attn_q.weight"].data, dtype=np.float32).reshape(128, 128)
    expected = q.numpy() if arch == "qwen2" else permute_for_rope(q.numpy(), 4)
    np.testing.assert_allclose(stored, expected, atol=2e-3)


def test_sentencepiece_style_tokenizer(arch_runs, tmp_path: Path) -> None:
    """Byte-fallback BPE (Llama 2, Mistral 7B) is written as GGUF's "llama" tokenizer."""
    import gguf
    from transformers import AutoTokenizer

    from engine.chat.run_info import read_run
    from engine.export.exports import export_gguf

    info = read_run(arch_runs("llama-spm"))
    reader = gguf.GGUFReader(str(export_gguf(info, tmp_path / "out", "q8_0").path))
    tokenizer = AutoTokenizer.from_pretrained(info.tokenizer_dir)
    assert _field(reader, "tokenizer.ggml.model") == "llama"
    assert _field(reader, "tokenizer.ggml.add_space_prefix") is True
    types = _field(reader, "tokenizer.ggml.token_type")
    assert types[:4] == [2, 3, 3, 6]  # <unk>, <s>, </s>, <0x00>
    assert _field(reader, "tokenizer.ggml.tokens")[3] == "<0x00>"
    scores = _field(reader, "tokenizer.ggml.scores")
    assert scores[300] > scores[400]  # earlier pieces merge first
    assert _field(reader, "tokenizer.ggml.bos_token_id") == tokenizer.bos_token_id == 1


def test_lmstudio_install_and_ollama_command(gguf_exports, tmp_path: Path) -> None:
    from engine.contract.errors import EngineError
    from engine.contract.paths import lmstudio_models_dir
    from engine.export.targets import install_into_lmstudio

    result = gguf_exports("q8_0")
    home = tmp_path / "home"
    assert lmstudio_models_dir(home) is None
    assert install_into_lmstudio(result.path.parent, home=home) is None  # no LM Studio here
    (home / ".lmstudio" / "models").mkdir(parents=True)
    installed = install_into_lmstudio(result.path.parent, home=home)
    assert installed is not None
    assert (installed / result.path.name).stat().st_size == result.path.stat().st_size
    assert installed.relative_to(home / ".lmstudio" / "models").parts[0] == "quillora"
    with pytest.raises(EngineError):
        install_into_lmstudio(result.path.parent, home=home)
    command = result.ollama_command
    assert command[:3] == ("ollama", "create", command[2]) and command[2].startswith("quillora-")
    assert command[-1] == str(result.modelfile)


@pytest.mark.parametrize(("kind", "name"), [("llama3-bpe", "llama-bpe"), ("qwen2-bpe", "qwen2")])
def test_pre_tokenizer_is_recognised(kind: str, name: str, tiny_base: Path, tmp_path: Path):
    from engine.export.gguf_vocab import pre_tokenizer_name
    from tests.chat_export.conftest import build_regex_bpe_base

    folder = build_regex_bpe_base(kind, tiny_base, tmp_path)
    assert pre_tokenizer_name(json.loads((folder / "tokenizer.json").read_text())) == name
