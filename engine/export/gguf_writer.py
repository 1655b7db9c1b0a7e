"""Quillora's own GGUF converter: a merged Hugging Face model in, one GGUF file out.

Written with the `gguf` library's low-level writer in three passes: the header and
metadata, the table of tensors (names, shapes, types, sizes, all known before any data is
converted), then each tensor's data, converted and written one at a time so memory stays
at the size of the model plus one tensor.

Types: matrices become f16, bf16 or q8_0 (q8_0 needs rows divisible by 32, others stay
f16); norms, biases and rope factors stay f32, as llama.cpp expects.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from engine.export.gguf_arch import (
    ArchSpec,
    gguf_tensor_name,
    llama3_rope_factors,
    permute_for_rope,
    write_arch_metadata,
)
from engine.export.gguf_vocab import write_tokenizer

Quant = Literal["f16", "bf16", "q8_0"]
QUANTS: tuple[Quant, ...] = ("f16", "bf16", "q8_0")
Q8_BLOCK, Q8_BLOCK_BYTES = 32, 34


def bytes_per_weight(quant: Quant) -> float:
    return Q8_BLOCK_BYTES / Q8_BLOCK if quant == "q8_0" else 2.0


def _file_type(quant: Quant) -> int:
    import gguf

    return {
        "f16": gguf.LlamaFileType.MOSTLY_F16,
        "bf16": gguf.LlamaFileType.MOSTLY_BF16,
        "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    }[quant]


def _target_type(shape: tuple[int, ...], quant: Quant) -> Any:
    import gguf

    T = gguf.GGMLQuantizationType
    if len(shape) != 2:
        return T.F32
    if quant == "q8_0":
        return T.Q8_0 if shape[-1] % Q8_BLOCK == 0 else T.F16
    return T.BF16 if quant == "bf16" else T.F16


def _nbytes(shape: tuple[int, ...], qtype: Any) -> int:
    import gguf

    count = int(np.prod(shape))
    T = gguf.GGMLQuantizationType
    if qtype == T.Q8_0:
        return count // Q8_BLOCK * Q8_BLOCK_BYTES
    return count * (4 if qtype == T.F32 else 2)


def _convert(array: np.ndarray, qtype: Any) -> np.ndarray:
    import gguf

    T = gguf.GGMLQuantizationType
    if qtype == T.F32:
        return np.ascontiguousarray(array, dtype=np.float32)
    if qtype == T.F16:
        return np.ascontiguousarray(array, dtype=np.float16)
    return gguf.quants.quantize(np.ascontiguousarray(array, dtype=np.float32), qtype)


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
    writer.add_file_type(int(_file_type(quant)))
    if quant == "q8_0":
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    write_arch_metadata(writer, spec)
    write_tokenizer(writer, tokenizer, tokenizer_dir, spec.vocab_size)

    planned = plan_tensors(state, spec)
    types = []
    for name, _, shape in planned:
        qtype = _target_type(shape, quant)
        types.append(qtype)
        stored_shape = shape
        dtype: Any = np.uint16
        if qtype == gguf.GGMLQuantizationType.Q8_0:
            stored_shape, dtype = (*shape[:-1], shape[-1] // Q8_BLOCK * Q8_BLOCK_BYTES), np.uint8
        elif qtype == gguf.GGMLQuantizationType.F32:
            dtype = np.float32
        elif qtype == gguf.GGMLQuantizationType.F16:
            dtype = np.float16
        writer.add_tensor_info(name, stored_shape, np.dtype(dtype), _nbytes(shape, qtype), qtype)

    writer.write_header_to_file(path=path)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for done, ((_, load, _), qtype) in enumerate(zip(planned, types, strict=True), start=1):
        writer.write_tensor_data(_convert(load(), qtype))
        progress(done, len(planned))
    writer.close()
    return path
