"""The run configuration: a frozen, typed dataclass tree saved as run.json.

Each field carries its help text in `metadata["help"]` so the GUI can show it as a tooltip.
Validation happens in `__post_init__` and raises `ConfigError` with a sentence a user can act
on. `RunConfig.from_dict` refuses unknown keys instead of silently ignoring them.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

Dial = Literal["quick", "balanced", "thorough"]
DataFormat = Literal["auto", "csv", "jsonl", "prose"]
RightsAnswer = Literal["", "i_wrote_it", "organisation_owns_it", "have_permission", "other"]
PII_KINDS = ("email", "phone", "card", "iban", "ip", "url_token", "address", "name")


class ConfigError(ValueError):
    """A setting that cannot work, with a sentence saying how to fix it."""


def _help(text: str, **extra: Any) -> dict[str, Any]:
    return {"help": text, **extra}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass(frozen=True)
class ModelSettings:
    name: str = field(
        default="demo",
        metadata=_help(
            "The base model: a Hugging Face id such as 'Qwen/Qwen2.5-0.5B-Instruct', a folder "
            "or a .gguf file on this computer, or 'demo' for the offline demo model "
            "(SmolLM2-135M-Instruct, shipped with Quillora)."
        ),
    )
    revision: str = field(
        default="main",
        metadata=_help("Which version of a Hub model to use (a branch, tag or commit)."),
    )

    def __post_init__(self) -> None:
        _require(bool(self.name.strip()), "Choose a base model before starting.")


@dataclass(frozen=True)
class DataSettings:
    sources: tuple[str, ...] = field(
        default=(),
        metadata=_help(
            "Your files or folders: CSV, JSONL, Excel (.xlsx, .ods), .txt, .md, .docx, .odt, "
            ".rtf, PDF, EPUB, saved web pages, or a WordPress, Substack or Medium export."
        ),
    )
    format: DataFormat = field(
        default="auto",
        metadata=_help("How to read the files; 'auto' decides from each file's extension."),
    )
    sheet: str = field(
        default="",
        metadata=_help(
            "The sheet of a workbook to read; empty picks the sheet that holds the most writing."
        ),
    )
    include_pages_and_drafts: bool = field(
        default=False,
        metadata=_help(
            "Also learn from a blog export's pages and unpublished drafts, not only its "
            "published posts."
        ),
    )
    text_column: str = field(
        default="",
        metadata=_help(
            "The column holding your writing. With no prompt column the model learns to write "
            "like this; with one, it learns to answer like this."
        ),
    )
    prompt_column: str = field(
        default="",
        metadata=_help("Optional: the column holding the request each piece of writing answers."),
    )
    system_column: str = field(
        default="",
        metadata=_help("Optional: a column with an instruction or brief that goes with each row."),
    )
    heldout_fraction: float = field(
        default=0.1,
        metadata=_help(
            "The share of examples kept aside to check the model on writing it has not seen."
        ),
    )
    max_example_tokens: int = field(
        default=1024,
        metadata=_help(
            "The longest piece, in tokens, the model learns from at once; longer prose is split "
            "at paragraph boundaries."
        ),
    )
    min_example_chars: int = field(
        default=20,
        metadata=_help("Rows shorter than this many characters are left out as too short."),
    )
    drop_duplicates: bool = field(
        default=True, metadata=_help("Leave out rows that repeat another row exactly.")
    )
    redact: tuple[str, ...] = field(
        default=(),
        metadata=_help(
            "Kinds of personal data replaced by placeholders such as [EMAIL] before training."
        ),
    )
    not_personal: tuple[str, ...] = field(
        default=(),
        metadata=_help(
            "Words and names you marked as not personal (your brand, a product, your own "
            "byline): the personal-data check leaves them alone in every row."
        ),
    )
    rights: RightsAnswer = field(
        default="",
        metadata=_help(
            "Who owns this writing: you wrote it, your organisation owns it, you have permission, "
            "or other. Recorded in the run's manifest and model card."
        ),
    )

    def __post_init__(self) -> None:
        _require(
            0.0 <= self.heldout_fraction <= 0.5,
            "Keep between 0% and 50% of the examples aside for checking.",
        )
        _require(
            32 <= self.max_example_tokens <= 32768,
            "The longest piece must be between 32 and 32,768 tokens.",
        )
        _require(self.min_example_chars >= 0, "The shortest row length cannot be negative.")
        _require(
            all(0 < len(word.strip()) <= 80 for word in self.not_personal),
            "Each word marked as not personal must be between 1 and 80 characters long.",
        )
        unknown = [kind for kind in self.redact if kind not in PII_KINDS]
        _require(
            not unknown,
            f"Unknown kind of personal data to redact: {', '.join(unknown)}. "
            f"Choose from {', '.join(PII_KINDS)}.",
        )


@dataclass(frozen=True)
class LoraSettings:
    rank: int = field(
        default=16,
        metadata=_help(
            "How much the adapter can learn (LoRA rank). Higher learns more detail but needs "
            "more memory and more examples."
        ),
    )
    alpha: int = field(
        default=32, metadata=_help("How strongly the adapter's changes count (LoRA alpha).")
    )
    dropout: float = field(
        default=0.0,
        metadata=_help("Randomly ignores part of the adapter while training to avoid memorising."),
    )

    def __post_init__(self) -> None:
        _require(self.rank in (4, 8, 16, 32, 64, 128), "LoRA rank must be 4, 8, 16, 32, 64 or 128.")
        _require(1 <= self.alpha <= 512, "LoRA alpha must be between 1 and 512.")
        _require(0.0 <= self.dropout < 0.5, "LoRA dropout must be between 0 and 0.5.")


@dataclass(frozen=True)
class TrainingSettings:
    dial: Dial = field(
        default="balanced",
        metadata=_help(
            "Quick tries your data fast; balanced suits most people; thorough trains longest "
            "for the closest match to your voice."
        ),
    )
    epochs: float = field(
        default=2.0, metadata=_help("How many times the model reads all of your examples.")
    )
    max_steps: int = field(
        default=0,
        metadata=_help("Stop after this many steps (0 means decide from the number of epochs)."),
    )
    learning_rate: float = field(
        default=2e-4,
        metadata=_help("How big each learning step is. Too high can make it unstable."),
    )
    warmup_fraction: float = field(
        default=0.05,
        metadata=_help("The share of steps spent slowly ramping up the learning rate."),
    )
    weight_decay: float = field(default=0.0, metadata=_help("Pull on the adapter toward zero."))
    max_grad_norm: float = field(
        default=1.0,
        metadata=_help("Clips unusually large updates so one bad batch cannot derail it."),
    )
    sequence_length: int = field(
        default=1024,
        metadata=_help(
            "Tokens in one packed row; several short examples share a row without seeing each other."
        ),
    )
    micro_batch_size: int = field(
        default=1, metadata=_help("Packed rows processed at once; limited by GPU memory.")
    )
    gradient_accumulation: int = field(
        default=4, metadata=_help("Micro-batches added up before each learning step.")
    )
    gradient_checkpointing: bool = field(
        default=True,
        metadata=_help(
            "Recompute parts of the model instead of storing them: saves memory, costs time."
        ),
    )
    checkpointed_layers: int = field(
        default=0,
        metadata=_help(
            "With recomputation on: how many decoder layers recompute instead of storing "
            "(0 means all). Fewer is faster and needs more memory; the memory plan chooses it."
        ),
    )
    eval_every: int = field(
        default=0,
        metadata=_help("Check the kept-aside examples every this many steps (0: automatic)."),
    )
    checkpoint_every: int = field(
        default=0,
        metadata=_help("Save a resumable checkpoint every this many steps (0: automatic)."),
    )
    early_stopping_patience: int = field(
        default=3,
        metadata=_help(
            "Stop early when the check on kept-aside examples has not improved this many times "
            "in a row (0 turns it off)."
        ),
    )
    seed: int = field(
        default=42, metadata=_help("Makes the run repeatable: same seed, same result.")
    )

    def __post_init__(self) -> None:
        _require(0 < self.epochs <= 100, "The number of epochs must be between 0 and 100.")
        _require(self.max_steps >= 0, "The step limit cannot be negative.")
        _require(
            0 < self.learning_rate <= 1e-2, "The learning rate must be above 0 and at most 0.01."
        )
        _require(0.0 <= self.warmup_fraction <= 0.5, "Warm-up must be between 0% and 50% of steps.")
        _require(
            64 <= self.sequence_length <= 32768, "Row length must be between 64 and 32,768 tokens."
        )
        _require(1 <= self.micro_batch_size <= 256, "Micro-batch size must be between 1 and 256.")
        _require(
            1 <= self.gradient_accumulation <= 1024, "Accumulation must be between 1 and 1,024."
        )
        _require(
            self.eval_every >= 0 and self.checkpoint_every >= 0, "Intervals cannot be negative."
        )
        _require(
            self.checkpointed_layers >= 0, "The number of recomputed layers cannot be negative."
        )
        _require(self.early_stopping_patience >= 0, "Patience cannot be negative.")
        _require(self.max_grad_norm > 0, "Gradient clipping must be above 0.")


@dataclass(frozen=True)
class RunConfig:
    model: ModelSettings = field(default_factory=ModelSettings)
    data: DataSettings = field(default_factory=DataSettings)
    lora: LoraSettings = field(default_factory=LoraSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    name: str = field(default="", metadata=_help("A name for this run, shown in the run history."))
    parent_run: str = field(
        default="",
        metadata=_help(
            "Train more: the folder of a finished run whose adapter this run starts from, "
            "instead of a fresh one. It must use the same base model and LoRA settings."
        ),
    )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        return _build(cls, data, "")

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"The settings file is not valid JSON (line {exc.lineno}).") from exc
        if not isinstance(data, dict):
            raise ConfigError("The settings file must hold a JSON object.")
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        """A settings file: a RunConfig's JSON, or a run's run.json (its "config" section)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Quillora cannot read the settings file {path}.") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"The settings file is not valid JSON (line {exc.lineno}).") from exc
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            data = data["config"]
        if not isinstance(data, dict):
            raise ConfigError("The settings file must hold a JSON object.")
        return cls.from_dict(data)

    def replace(self, **sections: Any) -> RunConfig:
        return dataclasses.replace(self, **sections)


T = TypeVar("T")


def _build(cls: type[T], data: Any, where: str) -> T:
    """Build dataclass `cls` from plain JSON data, checking names and types."""
    if not isinstance(data, dict):
        raise ConfigError(f"'{where or 'settings'}' must be an object.")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"Unknown setting '{prefix}{unknown[0]}'. Check its spelling; "
            f"known settings here are: {', '.join(sorted(names))}."
        )
    kwargs = {
        name: _coerce(hints[name], value, f"{where}.{name}" if where else name)
        for name, value in data.items()
    }
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)  # type: ignore[arg-type]
    if origin is Literal:
        if value not in get_args(hint):
            choices = ", ".join(repr(c) for c in get_args(hint))
            raise ConfigError(f"'{where}' must be one of {choices}, not {value!r}.")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"'{where}' must be a list of text values.")
        return tuple(value)
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"'{where}' must be true or false.")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{where}' must be a whole number.")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"'{where}' must be a number.")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"'{where}' must be text.")
        return value
    return value


def field_help(section: type, name: str) -> str:
    """The help text of one field, for tooltips."""
    for f in dataclasses.fields(section):
        if f.name == name:
            return str(f.metadata.get("help", ""))
    raise KeyError(name)
