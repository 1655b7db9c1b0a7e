"""`python -m engine data`: read training data and report what the model would learn from.

Emits one `report` event named "data_preview" whose body is
`engine.contract.data_report.DataPreview.to_dict()`. With `--model`, tokens are counted with
that model's tokenizer and each preview example shows the exact text the trainer will feed
the model (its chat template applied); without, tokens are estimated and `rendered` is empty.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, Literal

from engine.contract.config import PII_KINDS, ConfigError, DataSettings, RunConfig
from engine.contract.data_report import ColumnMapping, DataPreview, FileInfo, Readiness
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import Report
from engine.data.columns import NoWritingColumn
from engine.demo import DEMO_MODEL
from engine.emit import Emitter
from engine.tiny_test_model import TINY_TEST_MODEL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, help="files or folders to read")
    parser.add_argument("--model", default="", help="model whose tokenizer and template to use")
    parser.add_argument("--sheet", default=None, help="the sheet of a workbook to read")
    parser.add_argument(
        "--include-pages-and-drafts",
        action="store_true",
        default=None,
        help="also read a blog export's pages and drafts",
    )
    parser.add_argument("--text-column", default=None, help="column holding the writing")
    parser.add_argument("--prompt-column", default=None, help="column holding the request")
    parser.add_argument("--system-column", default=None, help="column holding a brief")
    parser.add_argument(
        "--redact", nargs="*", default=None, choices=PII_KINDS, help="personal data to redact"
    )
    parser.add_argument(
        "--not-personal",
        nargs="*",
        default=None,
        help="words or names the personal-data check leaves alone (a brand, your byline)",
    )
    parser.add_argument("--config", type=Path, default=None, help="run.json to take settings from")
    parser.add_argument("--seed", type=int, default=None, help="seed of the held-out split")


def settings_from_args(args: argparse.Namespace) -> tuple[DataSettings, int, str]:
    """DataSettings from run.json (if given) with the command line's choices on top."""
    try:
        config = RunConfig.load(args.config) if args.config else RunConfig()
        changes: dict[str, Any] = {"sources": tuple(args.data)}
        for name in (
            "text_column",
            "prompt_column",
            "system_column",
            "sheet",
            "include_pages_and_drafts",
        ):
            if getattr(args, name) is not None:
                changes[name] = getattr(args, name)
        if args.redact is not None:
            changes["redact"] = tuple(args.redact)
        if args.not_personal is not None:
            changes["not_personal"] = tuple(args.not_personal)
        settings = dataclasses.replace(config.data, **changes)
    except ConfigError as exc:
        raise EngineError(ErrorKind.BAD_CONFIG, str(exc)) from exc
    seed = args.seed if args.seed is not None else config.training.seed
    model = args.model or ""
    return settings, seed, model


def tokenizer_for(model: str, revision: str = "main") -> Any:
    """The tokenizer of `model`: the demo, a folder, a .gguf file, or (tokenizer files) a Hub id."""
    from engine.data.preview_tokenizer import cached_hub_folder, load_preview_tokenizer
    from engine.modeling import load_tokenizer, resolve_model

    # The light loader leaves torch unimported (seconds saved on every preview); it answers
    # None for anything it is unsure of, and AutoTokenizer takes over.
    if model in (DEMO_MODEL, TINY_TEST_MODEL) or _is_local(model):
        folder = resolve_model(model, revision)
        return load_preview_tokenizer(folder) or load_tokenizer(folder)
    cached = cached_hub_folder(model, revision)
    light = load_preview_tokenizer(cached) if cached else None
    if light is not None:
        return light
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model, revision=revision, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"Quillora could not load the tokenizer of '{model}'. Check the model's name, or "
            "preview the data without a model.",
            detail=repr(exc),
        ) from exc


def _is_local(model: str) -> bool:
    """A model folder or a .gguf file on this computer (not a Hub id)."""
    path = Path(model).expanduser()
    return path.is_dir() or (path.suffix.lower() == ".gguf" and path.is_file())


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.data.prepare import prepare_examples

    settings, seed, model = settings_from_args(args)
    count_tokens = render = None
    if model:
        from engine.prompt_format import encode_example

        tokenizer = tokenizer_for(model)

        def count_tokens(text: str) -> int:
            return len(tokenizer(text, add_special_tokens=False)["input_ids"])

        def render(example: Any) -> str:
            ids = encode_example(tokenizer, example, settings.max_example_tokens).input_ids
            return tokenizer.decode(ids, skip_special_tokens=False)

    try:
        prepared = prepare_examples(
            settings, emitter, count_tokens=count_tokens, seed=seed, render=render
        )
    except NoWritingColumn as exc:
        if len(settings.sources) != 1:
            raise
        # Not a dead end: the preview offers the columns so that the user can pick one.
        emitter.emit(Report(name="data_preview", body=column_choice_report(exc, model).to_dict()))
        return 0
    report = dataclasses.replace(prepared.report, model=model)
    emitter.emit(Report(name="data_preview", body=report.to_dict()))
    return 0


def column_choice_report(exc: NoWritingColumn, model: str) -> DataPreview:
    """A preview with nothing to learn yet that lists the table's columns to choose from."""
    kind: Literal["csv", "jsonl", "xlsx", "ods"] = "csv"
    if exc.path.suffix.lower() in (".jsonl", ".json"):
        kind = "jsonl"
    elif exc.sheets:
        kind = "ods" if exc.path.suffix.lower() == ".ods" else "xlsx"
    mapping = ColumnMapping(
        text="", reason="no column looks like writing; choose one", columns=exc.columns
    )
    readiness = Readiness(
        examples=0,
        train_examples=0,
        heldout_examples=0,
        level="none",
        verdict=(
            f"Choose the column of '{exc.path.name}' that holds your writing: none of them "
            "looks like sentences (they seem to hold numbers, codes or single words)."
        ),
    )
    info = FileInfo(
        path=exc.path.name,
        kind=kind,
        columns=exc.columns,
        mapping=mapping,
        sheets=exc.sheets,
        sheet=exc.sheet,
    )
    return DataPreview(files=(info,), readiness=readiness, mapping=mapping, model=model)
