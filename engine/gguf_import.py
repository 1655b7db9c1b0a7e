"""A .gguf file as a base model: checked, dequantised to bf16 once, kept as a model folder.

The 4-bit loader (engine/modeling.py) takes transformers folders of safetensors, so a GGUF
file (the demo's, or one from LM Studio's folder or Ollama's library) is converted first:
the `gguf` library reads its header to refuse what we cannot train with a sentence, then
transformers' own GGUF loader dequantises every tensor (bf16) and rebuilds the tokenizer and
its chat template, and the result is saved like any downloaded model. The file itself is
only read. The folder is written in a temporary sibling and renamed into place with a marker
written last, so a crash or a full disk never leaves half a model that looks finished.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.staging import built_in_place_of

MARKER = "quillora-gguf-source.json"
CONVERTER_VERSION = 2  # 2: SmolLM-style digit splitting restored

# GGUF architecture names (general.architecture) of decoder-only text models that both
# transformers' GGUF loader and our 4-bit LoRA path handle. Mixture-of-experts, encoder-
# decoder and state-space models are left out: they do not train well (or at all) here.
TRAINABLE_ARCHITECTURES = ("llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", "gemma3")

# llama.cpp pre-tokenizers (tokenizer.ggml.pre) that split every digit on its own before the
# GPT-2 regex, as SmolLM's and StarCoder's tokenizer.json do with a `Digits` step.
# transformers' GGUF loader does not know them and would keep numbers whole, so the
# converted tokenizer would cut "2025" differently from the one the model was trained with.
DIGIT_SPLITTING_PRE_TOKENIZERS = ("smollm", "starcoder", "refact")


@dataclass(frozen=True)
class GgufFacts:
    """What a .gguf file's header says about the model inside."""

    architecture: str
    name: str
    license: str
    file_type: int
    pre_tokenizer: str  # tokenizer.ggml.pre: llama.cpp's name for how text is split  # llama.cpp's LLAMA_FTYPE: 0 F32, 1 F16, 2 Q4_0, 3 Q4_1, 7 Q8_0, ...

    @property
    def quantised(self) -> bool:
        """True when the weights were stored in fewer than 16 bits (they train a little worse)."""
        return self.file_type not in (0, 1, 32)  # F32, F16, BF16


def read_gguf_facts(path: Path) -> GgufFacts:
    """Read the header of `path` (memory-mapped; the tensors are not loaded)."""
    from gguf import GGUFReader

    if not path.is_file():
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"There is no file at {path}.")
    try:
        reader = GGUFReader(path)
    except (ValueError, OSError, IndexError) as exc:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            f"The file {path.name} is not a GGUF model file Quillora can read.",
            detail=repr(exc)[:1000],
        ) from exc

    def text(key: str) -> str:
        field = reader.fields.get(key)
        return str(field.contents()) if field is not None else ""

    file_type = reader.fields.get("general.file_type")
    return GgufFacts(
        architecture=text("general.architecture"),
        name=text("general.name"),
        license=text("general.license"),
        pre_tokenizer=text("tokenizer.ggml.pre"),
        file_type=int(file_type.contents()) if file_type is not None else 0,
    )


def check_trainable(path: Path, facts: GgufFacts) -> None:
    """Refuse a file whose architecture the converter or the trainer does not know."""
    if facts.architecture not in TRAINABLE_ARCHITECTURES:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            f"{path.name} holds a '{facts.architecture or 'unknown'}' model, which Quillora "
            "cannot train yet. Choose a Llama, Mistral, Qwen, Phi-3 or Gemma .gguf file, or a "
            "model from the list.",
            detail=f"supported GGUF architectures: {', '.join(TRAINABLE_ARCHITECTURES)}",
        )


def source_key(path: Path) -> dict[str, object]:
    """What identifies the file a folder was converted from (a changed file converts again)."""
    stat = path.stat()
    return {
        "file": str(path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "converter": CONVERTER_VERSION,
    }


def converted_folder_name(path: Path) -> str:
    """A stable, readable folder name for the conversion of `path`."""
    digest = hashlib.sha256(json.dumps(source_key(path), sort_keys=True).encode()).hexdigest()
    return f"{path.stem[:60]}-{digest[:12]}"


def is_converted(folder: Path, path: Path) -> bool:
    """True when `folder` holds a finished conversion of this very file."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("source") == source_key(path)


def ensure_converted(
    path: Path, target: Path, on_convert: Callable[[], None] = lambda: None
) -> Path:
    """`target` holding the bf16 conversion of the GGUF file `path`, converting it first if
    needed (`on_convert` is called just before a conversion starts)."""
    path = path.expanduser()
    if is_converted(target, path):
        return target
    facts = read_gguf_facts(path)
    check_trainable(path, facts)
    on_convert()
    with built_in_place_of(target, ".gguf-convert-") as staging:
        convert_gguf(path, staging, facts)
        (staging / MARKER).write_text(
            json.dumps({"source": source_key(path), "architecture": facts.architecture}),
            encoding="utf-8",
        )
    return target


def convert_gguf(path: Path, folder: Path, facts: GgufFacts) -> None:
    """Write the dequantised (bf16) model, its config and tokenizer from `path` into `folder`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    try:
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        # dequantize=True unpacks every block into a plain bf16 Linear at load time; the
        # default keeps GGUF blocks, which cannot be saved or quantised again to NF4.
        model = AutoModelForCausalLM.from_pretrained(
            path.parent,
            gguf_file=path.name,
            dtype=torch.bfloat16,
            quantization_config=GgufConfig(dequantize=True),
        )
    except (ValueError, KeyError, NotImplementedError, OSError) as exc:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            f"Quillora could not convert {path.name}: its tensors or tokenizer are of a kind "
            "the converter does not know. Choose another .gguf file or a model from the list.",
            detail=repr(exc)[:1000],
        ) from exc
    if facts.pre_tokenizer in DIGIT_SPLITTING_PRE_TOKENIZERS:
        split_digits_like_training(tokenizer)
    model.config.name_or_path = path.stem
    if tokenizer.eos_token_id is not None:
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id or tokenizer.eos_token_id
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)


def split_digits_like_training(tokenizer: Any) -> None:
    """Give the tokenizer the SmolLM / StarCoder pre-tokenizer: each digit alone, then the
    GPT-2 byte-level split (what their tokenizer.json holds and llama.cpp's "smollm" does)."""
    from tokenizers import pre_tokenizers

    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
