"""`python -m engine export --run RUN_DIR --format adapter|merged|gguf --out DIR`.

`--quantization q4_k_m|q5_k_m|q4_0|q8_0|f16|bf16` picks the GGUF weight type.

Emits ExportProgress while it works and ExportFinished at the end (its `next_step` says what
to do with the result). For GGUF it also runs `ollama create` when Ollama is installed and,
with --lmstudio, copies the model into LM Studio's models folder when LM Studio is set up.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.contract.events import ExportFinished, ExportProgress, Log, Report
from engine.contract.gguf_types import DEFAULT_GGUF_TYPE, GGUF_TYPES
from engine.emit import Emitter

FORMATS = ("adapter", "merged", "gguf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", required=True, type=Path, help="the run folder to export")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", required=True, type=Path, help="a new folder for the export")
    parser.add_argument(
        "--quantization",
        "--quant",
        dest="quant",
        choices=GGUF_TYPES,
        default=DEFAULT_GGUF_TYPE,
        help=f"GGUF weight type (default {DEFAULT_GGUF_TYPE}, what Ollama and LM Studio use)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing export in --out"
    )
    parser.add_argument(
        "--no-ollama", action="store_true", help="do not run `ollama create` even if installed"
    )
    parser.add_argument(
        "--lmstudio", action="store_true", help="also copy a GGUF into LM Studio's models folder"
    )


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.chat.run_info import read_run
    from engine.export.exports import export_run
    from engine.export.targets import install_into_lmstudio, run_ollama_create

    info = read_run(args.run)
    emitter.emit(ExportProgress(stage="checking", done=0, total=1))
    result = export_run(
        info,
        args.format,
        args.out.expanduser().resolve(),
        quant=args.quant,
        overwrite=args.overwrite,
        progress=lambda stage, done, total: emitter.emit(
            ExportProgress(stage=stage, done=done, total=total)
        ),
    )
    details: dict[str, object] = {"format": result.format, "path": str(result.path)}
    next_step = result.next_step
    if result.format == "gguf":
        details["ollama_command"] = list(result.ollama_command)
        if not args.no_ollama:
            done, said = run_ollama_create(list(result.ollama_command))
            details["ollama_created"] = done
            if done:
                next_step = f"Created in Ollama: ollama run {result.ollama_command[2]}"
            emitter.emit(Log(message=f"ollama create: {said.strip()[:500]}"))
        if args.lmstudio:
            installed = install_into_lmstudio(result.path.parent, overwrite=args.overwrite)
            details["lmstudio_path"] = str(installed) if installed else None
    emitter.emit(Report(name="export", body=details))
    emitter.emit(
        ExportFinished(
            format=result.format,
            path=str(result.path),
            size_bytes=result.size_bytes,
            next_step=next_step,
        )
    )
    return 0
