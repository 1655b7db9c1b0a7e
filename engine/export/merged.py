"""The merged model: the base in 16-bit with the adapter added into its weights.

Choice: the base is loaded unquantised from its own folder, on the CPU, rather than
dequantising the 4-bit model used in training. The original 16-bit weights are already on
disk; NF4 -> 16-bit would bake quantisation error into every matrix of the export for no
gain, needs bitsandbytes (and a GPU for its fast path), and the adapter's learnt change
W + (alpha/r)·B·A carries over to the exact weights unchanged. peft does the merge (in fp32
for 16-bit weights on the CPU). The result is saved as safetensors with the tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.chat.run_info import RunInfo
from engine.contract.errors import EngineError, ErrorKind

DTYPES = ("auto", "bfloat16", "float16", "float32")


def base_dtype_name(base_dir: Path) -> str:
    config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    return str(config.get("dtype") or config.get("torch_dtype") or "float32")


def export_dtype_name(base_dir: Path, requested: str = "auto") -> str:
    """16-bit: the base's own 16-bit type, bf16 for a base stored in fp32."""
    if requested != "auto":
        return requested
    name = base_dtype_name(base_dir)
    return name if name in ("bfloat16", "float16") else "bfloat16"


def parameter_count(base_dir: Path) -> int:
    """Parameters of the base, from its safetensors headers (no weights are read)."""
    total = 0
    for file in base_dir.glob("*.safetensors"):
        with file.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size))
        for key, entry in header.items():
            if key != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= dim
                total += count
    return total


def load_merged(info: RunInfo, dtype_name: str = "auto") -> Any:
    """The base (unquantised, CPU) with the adapter merged in and peft's wrappers removed."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    config = json.loads((info.base_model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("quantization_config"):
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This base model is stored already quantised, so a merged or GGUF export is not "
            "supported yet. Export the adapter, or train on the model's 16-bit version.",
            detail=str(config["quantization_config"])[:500],
        )
    load_dtype = getattr(torch, base_dtype_name(info.base_model_dir))
    if dtype_name == "float32":
        load_dtype = torch.float32
    base = AutoModelForCausalLM.from_pretrained(info.base_model_dir, dtype=load_dtype)
    model = PeftModel.from_pretrained(base, info.adapter_dir, is_trainable=False)
    merged = model.merge_and_unload()
    return merged.to(getattr(torch, export_dtype_name(info.base_model_dir, dtype_name))).eval()


def write_merged(
    info: RunInfo,
    folder: Path,
    dtype_name: str = "auto",
    progress: Callable[[str, int, int], None] = lambda stage, done, total: None,
) -> None:
    from engine.chat.loading import load_tokenizer

    progress("merging", 0, 2)
    model = load_merged(info, dtype_name)
    progress("writing", 1, 2)
    model.save_pretrained(folder, safe_serialization=True)
    load_tokenizer(info).save_pretrained(folder)
    progress("writing", 2, 2)
