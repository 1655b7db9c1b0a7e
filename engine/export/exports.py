"""The three exports, each checked first, written to a staged folder, then renamed.

- adapter: the PEFT adapter folder (adapter_config.json, adapter_model.safetensors) and the
  tokenizer, loadable with `PeftModel.from_pretrained(base, folder)`.
- merged: a standalone 16-bit model in safetensors (see engine.export.merged).
- gguf: <out>/quillora/<model>/<model>-<quant>.gguf with a Modelfile and the model card
  beside it; <out> is then an LM Studio models folder as it stands.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.chat.run_info import RunInfo
from engine.contract.errors import EngineError, ErrorKind
from engine.export.common import (
    check_destination,
    check_free_space,
    folder_size,
    staged_folder,
    write_card,
)
from engine.export.targets import PUBLISHER, ollama_create_command, ollama_model_name, slug

Progress = Callable[[str, int, int], None]
FORMATS = ("adapter", "merged", "gguf")
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "tokenizer.model",
)


@dataclass(frozen=True)
class ExportResult:
    format: str
    path: Path  # the folder, or for GGUF the .gguf file
    size_bytes: int
    next_step: str = ""
    modelfile: Path | None = None
    ollama_command: tuple[str, ...] = ()


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def export_adapter(
    info: RunInfo, out: Path, overwrite: bool = False, progress: Progress = _no_progress
) -> ExportResult:
    files = [p for p in info.adapter_dir.iterdir() if p.is_file()]
    check_destination(out, overwrite)
    check_free_space(out, sum(p.stat().st_size for p in files))
    with staged_folder(out, overwrite) as folder:
        for done, file in enumerate(files, start=1):
            shutil.copy2(file, folder / file.name)
            progress("copying", done, len(files))
        write_card(info.run_dir, folder, "The LoRA adapter alone; load it on the base model.")
    return ExportResult(
        "adapter",
        out,
        folder_size(out),
        next_step="Load it with peft: PeftModel.from_pretrained(base_model, this folder).",
    )


def export_merged(
    info: RunInfo,
    out: Path,
    overwrite: bool = False,
    progress: Progress = _no_progress,
    dtype: str = "auto",
) -> ExportResult:
    from engine.export.merged import export_dtype_name, parameter_count, write_merged

    dtype_name = export_dtype_name(info.base_model_dir, dtype)
    check_destination(out, overwrite)
    check_free_space(
        out, parameter_count(info.base_model_dir) * (4 if dtype_name == "float32" else 2)
    )
    with staged_folder(out, overwrite) as folder:
        write_merged(info, folder, dtype, progress)
        write_card(
            info.run_dir,
            folder,
            f"The base model with the adapter merged into its weights ({dtype_name}, "
            "safetensors); loads with transformers' AutoModelForCausalLM alone.",
        )
    return ExportResult(
        "merged",
        out,
        folder_size(out),
        next_step="Load it with transformers: AutoModelForCausalLM.from_pretrained(folder).",
    )


def export_gguf(
    info: RunInfo,
    out: Path,
    quant: str = "q4_k_m",
    overwrite: bool = False,
    progress: Progress = _no_progress,
) -> ExportResult:
    from engine.chat.loading import load_tokenizer
    from engine.export.chat_template import modelfile_text
    from engine.export.gguf_arch import arch_spec
    from engine.export.gguf_writer import QUANTS, bytes_per_weight, write_gguf
    from engine.export.merged import load_merged, parameter_count

    if quant not in QUANTS:
        raise EngineError(ErrorKind.BAD_CONFIG, f"GGUF type must be one of {', '.join(QUANTS)}.")
    config = json.loads((info.base_model_dir / "config.json").read_text(encoding="utf-8"))
    spec = arch_spec(config)  # refuses unsupported architectures before any work
    tokenizer = load_tokenizer(info)
    modelfile = modelfile_text("MODEL.gguf", tokenizer)  # checks the template early too
    check_destination(out, overwrite)
    params = parameter_count(info.base_model_dir)
    needed = int(params * bytes_per_weight(quant))  # type: ignore[arg-type]
    check_free_space(out, needed)

    model_slug = slug(info.run_dir.name)
    file_name = f"{model_slug}-{quant}.gguf"
    with staged_folder(out, overwrite) as folder:
        model_folder = folder / PUBLISHER / model_slug
        model_folder.mkdir(parents=True)
        progress("merging", 0, 1)
        # Small models merge in fp32 (exact); large ones in their own 16-bit type (RAM).
        merged = load_merged(info, "float32" if params < 2_000_000_000 else "auto")
        write_gguf(
            merged.state_dict(),
            spec,
            tokenizer,
            info.tokenizer_dir,
            model_folder / file_name,
            quant,  # type: ignore[arg-type]
            model_name=f"{info.run_dir.name} (Quillora, {info.base_model_name})",
            progress=lambda done, total: progress("writing", done, total),
        )
        del merged
        (model_folder / "Modelfile").write_text(
            modelfile.replace("MODEL.gguf", file_name), encoding="utf-8"
        )
        write_card(
            info.run_dir,
            model_folder,
            f"GGUF ({quant}) for llama.cpp, Ollama and LM Studio, converted by Quillora from "
            "the merged model. The Modelfile beside it carries the training chat template.",
        )
    final_folder = out / PUBLISHER / model_slug
    command = ollama_create_command(
        ollama_model_name(info.run_dir.name), final_folder / "Modelfile"
    )
    return ExportResult(
        "gguf",
        final_folder / file_name,
        folder_size(out),
        next_step=" ".join(command),
        modelfile=final_folder / "Modelfile",
        ollama_command=tuple(command),
    )


def export_run(
    info: RunInfo,
    fmt: str,
    out: Path,
    quant: str = "q4_k_m",
    overwrite: bool = False,
    progress: Progress = _no_progress,
) -> ExportResult:
    if fmt == "adapter":
        return export_adapter(info, out, overwrite, progress)
    if fmt == "merged":
        return export_merged(info, out, overwrite, progress)
    if fmt == "gguf":
        return export_gguf(info, out, quant, overwrite, progress)
    raise EngineError(ErrorKind.BAD_CONFIG, f"Export format must be one of {', '.join(FORMATS)}.")
