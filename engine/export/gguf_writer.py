"""Quillora's own GGUF converter: a merged Hugging Face model in, one GGUF file out.

Written with the `gguf` library's low-level writer in three passes: the header and
metadata, the table of tensors (names, shapes, types, sizes, all known before any data is
converted), then each tensor's data, converted and written one at a time so memory stays
at the size of the model plus one tensor.

Types (figures in docs/export.md): "f16", "bf16" and "q8_0" store every matrix in that type;
"q4_0" uses the `gguf` library's Q4_0; "q4_k_m" and "q5_k_m" follow llama.cpp's recipes of the
same names (Q4_K or Q5_K for most matrices, Q6_K for the output layer and for attn_v and
ffn_down in the layers llama.cpp gives more bits) with Quillora's own K-quant encoder
(engine.export.kquants). A matrix whose rows do not fit the type's block falls back much as
llama.cpp does (Q4_K and Q5_K to Q5_0, Q6_K to Q8_0, then f16; see _FALLBACK). Norms,
biases and rope factors stay f32, as llama.cpp expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.contract.gguf_types import GGUF_TYPES, GgufType
from engine.export.gguf_arch import (
    ArchSpec,
    gguf_tensor_name,
    llama3_rope_factors,
    permute_for_rope,
    write_arch_metadata,
)
from engine.export.gguf_vocab import write_tokenizer
from engine.export.kquants import quantize_k

Quant = GgufType
QUANTS = GGUF_TYPES
# Bytes per weight over a whole model, rounded up: for the free-space check before writing.
_BYTES_PER_WEIGHT: dict[Quant, float] = {
    "f16": 2.0,
    "bf16": 2.0,
    "q8_0": 34 / 32,
    "q4_0": 0.65,
    "q4_k_m": 0.7,
    "q5_k_m": 0.8,
}
_FILE_TYPES: dict[Quant, str] = {
    "f16": "MOSTLY_F16",
    "bf16": "MOSTLY_BF16",
    "q8_0": "MOSTLY_Q8_0",
    "q4_0": "MOSTLY_Q4_0",
    "q4_k_m": "MOSTLY_Q4_K_M",
    "q5_k_m": "MOSTLY_Q5_K_M",
}
# What llama.cpp writes when a matrix's rows do not fit the type's block size.
# One difference: llama.cpp turns Q5_K into Q5_1; Q5_0 is used here, as its error on
# SmolLM2's 576-wide matrices measured lower (relative RMS 0.043 against 0.045).
_FALLBACK = {"Q4_K": "Q5_0", "Q5_K": "Q5_0", "Q6_K": "Q8_0", "Q4_0": "F16", "Q5_0": "F16",
             "Q8_0": "F16"}  # fmt: skip
_LAYER = re.compile(r"^blk\.(\d+)\.")


def bytes_per_weight(quant: Quant) -> float:
    return _BYTES_PER_WEIGHT[quant]


def _file_type(quant: Quant) -> int:
    import gguf

    return int(getattr(gguf.LlamaFileType, _FILE_TYPES[quant]))


def _more_bits(layer: int, layers: int) -> bool:
    """llama.cpp's use_more_bits: the first and last eighth of layers, and every third between."""
    return layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2


def _preferred_type(name: str, quant: Quant, layers: int, is_output: bool) -> str:
    """The GGML type name llama.cpp's recipe gives this matrix, before any fallback."""
    simple = {"f16": "F16", "bf16": "BF16", "q8_0": "Q8_0"}
    if quant in simple:
        return simple[quant]
    if is_output:
        return "Q6_K"  # llama.cpp keeps the output layer at 6 bits in every 4- and 5-bit type
    if quant == "q4_0":
        return "Q4_0"
    match = _LAYER.match(name)
    sensitive = ".attn_v." in name or ".ffn_down." in name
    if match and sensitive and _more_bits(int(match.group(1)), layers):
        return "Q6_K"
    return "Q4_K" if quant == "q4_k_m" else "Q5_K"


def target_type(
    name: str, shape: tuple[int, ...], quant: Quant, layers: int, is_output: bool
) -> Any:
    """The GGML type of one tensor in a file of type `quant`."""
    import gguf

    T = gguf.GGMLQuantizationType
    if len(shape) != 2:
        return T.F32
    chosen = _preferred_type(name, quant, layers, is_output)
    while chosen not in ("F16", "BF16") and shape[-1] % gguf.GGML_QUANT_SIZES[T[chosen]][0]:
        chosen = _FALLBACK[chosen]
    return T[chosen]


def _convert(array: np.ndarray, qtype: Any) -> np.ndarray:
    import gguf

    T = gguf.GGMLQuantizationType
    if qtype == T.F32:
        return np.ascontiguousarray(array, dtype=np.float32)
    if qtype == T.F16:
        return np.ascontiguousarray(array, dtype=np.float16)
    data = np.ascontiguousarray(array, dtype=np.float32)
    if qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        return quantize_k(data, qtype.name.lower())
    return gguf.quants.quantize(data, qtype)


def plan_tensors(
    state: dict[str, Any], spec: ArchSpec
) -> list[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]:
    """(GGUF name, a function giving the f32 data, shape) for every tensor to write."""
    planned: list[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]] = []
    for hf_name, tensor in state.items():
        if hf_name == "lm_head.weight" and spec.tie_word_embeddings:
            continue  # llama.cpp reuses token_embd when output.weight is absent
        name = gguf_tensor_name(hf_name)
        if name is None:
            continue
        heads = 0
        if spec.permutes_qk and (".attn_q." in name or ".attn_k." in name):
            heads = spec.head_count if ".attn_q." in name else spec.head_count_kv

        def load(tensor: Any = tensor, heads: int = heads) -> np.ndarray:
            array = tensor.detach().float().cpu().numpy()
            return permute_for_rope(array, heads) if heads else array

        planned.append((name, load, tuple(tensor.shape)))
    if (spec.rope_scaling or {}).get("rope_type") == "llama3":
        factors = llama3_rope_factors(spec)
        planned.append(("rope_freqs.weight", lambda: factors, tuple(factors.shape)))
    return planned


def write_gguf(
    state: dict[str, Any],
    spec: ArchSpec,
    tokenizer: Any,
    tokenizer_dir: Path,
    path: Path,
    quant: Quant,
    model_name: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Path:
    """Write `state` (a merged model's state dict) as a GGUF file at `path`."""
    import gguf

    writer = gguf.GGUFWriter(None, spec.arch)
    writer.add_name(model_name)
    writer.add_file_type(_file_type(quant))
    if quant not in ("f16", "bf16"):
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    write_arch_metadata(writer, spec)
    write_tokenizer(writer, tokenizer, tokenizer_dir, spec.vocab_size)

    planned = plan_tensors(state, spec)
    output = "token_embd.weight" if spec.tie_word_embeddings else "output.weight"
    types = []
    for name, _, shape in planned:
        qtype = target_type(name, shape, quant, spec.block_count, name == output)
        types.append(qtype)
        T = gguf.GGMLQuantizationType
        plain = {T.F32: np.float32, T.F16: np.float16, T.BF16: np.uint16}
        if qtype in plain:
            stored_shape, dtype = shape, np.dtype(plain[qtype])
        else:  # quantized tensors are declared as rows of bytes
            stored_shape = gguf.quants.quant_shape_to_byte_shape(shape, qtype)
            dtype = np.dtype(np.uint8)
        nbytes = int(np.prod(stored_shape)) * dtype.itemsize
        writer.add_tensor_info(name, stored_shape, dtype, nbytes, qtype)

    writer.write_header_to_file(path=path)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for done, ((_, load, _), qtype) in enumerate(zip(planned, types, strict=True), start=1):
        writer.write_tensor_data(_convert(load(), qtype))
        progress(done, len(planned))
    writer.close()
    return path
