"""A GGUF file read back into a Hugging Face model, through the `gguf` library's dequantizer.

Used to measure what quantization costs (held-out perplexity, top-token agreement) where
llama.cpp is not installed: the model computes with exactly the weights the file holds,
dequantized to f32, so only the weights' rounding differs from the f16 export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.export.gguf_arch import ArchSpec, gguf_tensor_name


def unpermute_for_rope(weight: np.ndarray, heads: int) -> np.ndarray:
    """The inverse of gguf_arch.permute_for_rope: pairs back to halves."""
    rows = weight.shape[0]
    tail = weight.shape[1:]
    half = rows // heads // 2
    return weight.reshape(heads, half, 2, *tail).swapaxes(1, 2).reshape(weight.shape)


def read_tensors(path: Path) -> dict[str, tuple[np.ndarray, str]]:
    """Every tensor in the file: GGUF name -> (dequantized f32 array in HF order, GGML type)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    tensors: dict[str, tuple[np.ndarray, str]] = {}
    for tensor in reader.tensors:
        shape = tuple(reversed([int(d) for d in tensor.shape]))
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        tensors[tensor.name] = (
            np.asarray(values, dtype=np.float32).reshape(shape),
            tensor.tensor_type.name,
        )
    return tensors


def load_into(model: Any, path: Path, spec: ArchSpec) -> dict[str, str]:
    """Overwrite `model`'s weights with the file's; returns GGUF name -> type for each."""
    import torch

    tensors = read_tensors(path)
    state = model.state_dict()
    types: dict[str, str] = {}
    with torch.no_grad():
        for hf_name, target in state.items():
            name = gguf_tensor_name(hf_name)
            if name is None:
                continue
            if name == "output.weight" and name not in tensors:
                name = "token_embd.weight"  # a tied head
            values, types[name] = tensors[name]
            if spec.permutes_qk and (".attn_q." in name or ".attn_k." in name):
                heads = spec.head_count if ".attn_q." in name else spec.head_count_kv
                values = unpermute_for_rope(values, heads)
            target.copy_(torch.from_numpy(np.array(values)).to(target.dtype))
    return types
