"""What the GGUF converter knows about each architecture: metadata keys and tensor names.

Supported: Llama (and the demo model, a tiny Llama), Mistral (written as GGUF "llama", as
llama.cpp expects) and Qwen2. Everything else is refused with UNSUPPORTED_MODEL before any
work is done.

Two details matter for llama.cpp to compute the same thing as transformers:
- Llama/Mistral q and k projections are permuted. Hugging Face's rotary embedding rotates
  the two halves of each head (rotate_half); llama.cpp's "normal" rope rotates adjacent
  pairs. Reordering each head's rows from [x0..x(d/2-1), y0..] to [x0, y0, x1, y1, ...]
  makes the two agree. Qwen2 uses llama.cpp's NEOX rope (halves), so it is left alone.
- Llama 3.1+ "llama3" rope scaling is carried as a `rope_freqs.weight` tensor of per-frequency
  divisors, computed here from the config with the published formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.contract.errors import EngineError, ErrorKind

# Hugging Face class -> GGUF architecture name.
ARCHITECTURES = {
    "LlamaForCausalLM": "llama",
    "MistralForCausalLM": "llama",
    "Qwen2ForCausalLM": "qwen2",
}

_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.bias": "attn_v.bias",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_GLOBAL_TENSORS = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


@dataclass(frozen=True)
class ArchSpec:
    """The numbers a GGUF header needs, read from a Hugging Face config.json."""

    hf_class: str
    arch: str
    context_length: int
    embedding_length: int
    block_count: int
    feed_forward_length: int
    head_count: int
    head_count_kv: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    rope_scaling: dict[str, Any] | None
    vocab_size: int
    tie_word_embeddings: bool

    @property
    def permutes_qk(self) -> bool:
        return self.arch == "llama"


def _rope(config: dict[str, Any]) -> tuple[float, dict[str, Any] | None]:
    """rope_theta and scaling from a transformers 4 (rope_theta/rope_scaling) or 5 config."""
    params = config.get("rope_parameters") or {}
    scaling = config.get("rope_scaling") or (params if params.get("rope_type") else None)
    theta = float(config.get("rope_theta") or params.get("rope_theta") or 10000.0)
    if scaling and scaling.get("rope_type", scaling.get("type")) in (None, "default"):
        scaling = None
    return theta, scaling


def arch_spec(config: dict[str, Any]) -> ArchSpec:
    """Read `config` (config.json) or raise UNSUPPORTED_MODEL naming the architecture."""
    classes = config.get("architectures") or [""]
    hf_class = classes[0]
    if hf_class not in ARCHITECTURES:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            f"GGUF export is not supported yet for {hf_class or 'this'} models. It works for "
            "Llama, Mistral and Qwen2 models; the adapter and merged exports work for all.",
            detail=f"architectures={classes}",
        )
    heads = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    theta, scaling = _rope(config)
    if scaling and scaling.get("rope_type", scaling.get("type")) not in ("llama3", "linear"):
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "GGUF export is not supported yet for this model's long-context (rope) settings.",
            detail=f"rope scaling {scaling}",
        )
    return ArchSpec(
        hf_class=hf_class,
        arch=ARCHITECTURES[hf_class],
        context_length=int(config.get("max_position_embeddings", 2048)),
        embedding_length=hidden,
        block_count=int(config["num_hidden_layers"]),
        feed_forward_length=int(config["intermediate_size"]),
        head_count=heads,
        head_count_kv=int(config.get("num_key_value_heads") or heads),
        head_dim=int(config.get("head_dim") or hidden // heads),
        rms_norm_eps=float(config.get("rms_norm_eps", 1e-6)),
        rope_theta=theta,
        rope_scaling=scaling,
        vocab_size=int(config["vocab_size"]),
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
    )


def gguf_tensor_name(hf_name: str) -> str | None:
    """The GGUF name of a Hugging Face tensor, or None for tensors GGUF does not keep."""
    if hf_name in _GLOBAL_TENSORS:
        return _GLOBAL_TENSORS[hf_name]
    parts = hf_name.split(".", 3)
    if len(parts) == 4 and parts[0] == "model" and parts[1] == "layers":
        mapped = _LAYER_TENSORS.get(parts[3])
        if mapped:
            return f"blk.{int(parts[2])}.{mapped}"
    if hf_name.endswith("rotary_emb.inv_freq"):
        return None
    raise EngineError(
        ErrorKind.UNSUPPORTED_MODEL,
        "GGUF export is not supported yet for this model: it has a layer the converter "
        "does not know.",
        detail=f"unknown tensor {hf_name}",
    )


def permute_for_rope(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder each head's rows from halves (HF rotate_half) to pairs (llama.cpp rope)."""
    rows = weight.shape[0]
    tail = weight.shape[1:]
    half = rows // heads // 2
    return weight.reshape(heads, 2, half, *tail).swapaxes(1, 2).reshape(weight.shape)


def llama3_rope_factors(spec: ArchSpec) -> np.ndarray:
    """Per-frequency divisors of Llama 3.1's rope scaling (llama.cpp's rope_freqs tensor)."""
    scaling = spec.rope_scaling or {}
    factor = float(scaling.get("factor", 8.0))
    low = float(scaling.get("low_freq_factor", 1.0))
    high = float(scaling.get("high_freq_factor", 4.0))
    old_context = float(scaling.get("original_max_position_embeddings", 8192))
    dim = spec.head_dim
    freqs = 1.0 / (spec.rope_theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    factors = []
    for freq in freqs:
        wavelength = 2 * math.pi / freq
        if wavelength < old_context / high:
            factors.append(1.0)
        elif wavelength > old_context / low:
            factors.append(factor)
        else:
            smooth = (old_context / wavelength - low) / (high - low)
            factors.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.asarray(factors, dtype=np.float32)


def write_arch_metadata(writer: Any, spec: ArchSpec) -> None:
    """The `<arch>.*` keys llama.cpp reads to build the model."""
    import gguf

    writer.add_context_length(spec.context_length)
    writer.add_embedding_length(spec.embedding_length)
    writer.add_block_count(spec.block_count)
    writer.add_feed_forward_length(spec.feed_forward_length)
    writer.add_head_count(spec.head_count)
    writer.add_head_count_kv(spec.head_count_kv)
    writer.add_key_length(spec.head_dim)
    writer.add_value_length(spec.head_dim)
    writer.add_rope_dimension_count(spec.head_dim)
    writer.add_rope_freq_base(spec.rope_theta)
    writer.add_layer_norm_rms_eps(spec.rms_norm_eps)
    writer.add_vocab_size(spec.vocab_size)
    scaling = spec.rope_scaling or {}
    if scaling.get("rope_type", scaling.get("type")) == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(scaling["factor"]))
