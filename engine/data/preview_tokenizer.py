"""A model's tokenizer for the data preview, loaded without importing torch.

`AutoTokenizer` reads the model's config through `transformers.configuration_utils`, which
imports torch: about 5-9 s on a laptop CPU before a single token is counted, on every preview
the Data step asks for. The tokenizer classes themselves do not need torch. This module picks
the same class `AutoTokenizer` would (the `tokenizer_class` of tokenizer_config.json, looked up
in the model type's own tokenization module) and loads it directly: the same class and the same
files give the same ids and the same chat template as training. Anything unusual (no
tokenizer.json, a class we cannot place) returns None so that the caller uses `AutoTokenizer`.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

GENERIC_CLASSES = {"TokenizersBackend", "PreTrainedTokenizerFast", "PreTrainedTokenizer"}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tokenizer_class_for(folder: Path) -> Any | None:
    """The tokenizer class AutoTokenizer would use for `folder`, or None if unsure."""
    if not (folder / "tokenizer.json").is_file():
        return None
    name = str(_read_json(folder / "tokenizer_config.json").get("tokenizer_class") or "")
    name = name.removesuffix("Fast")
    if name in GENERIC_CLASSES or name + "Fast" in GENERIC_CLASSES:
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        return TokenizersBackend
    model_type = str(_read_json(folder / "config.json").get("model_type") or "")
    if not name or not re.fullmatch(r"[a-z0-9_]+", model_type):
        return None
    try:
        module = importlib.import_module(
            f"transformers.models.{model_type}.tokenization_{model_type}"
        )
    except ImportError:
        return None
    found: Any = getattr(module, name, None)
    return found if isinstance(found, type) else None


def load_preview_tokenizer(folder: Path) -> Any | None:
    """The tokenizer of the model in `folder` (torch left unimported), or None if unsure."""
    cls = tokenizer_class_for(folder)
    if cls is None:
        return None
    try:
        tokenizer = cls.from_pretrained(folder, trust_remote_code=False)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def cached_hub_folder(model: str, revision: str = "main") -> Path | None:
    """The local snapshot folder of Hub model `model` if its tokenizer is already cached."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(model, "tokenizer.json", revision=revision)
    if not isinstance(found, str):
        return None
    folder = Path(found).parent
    needed = ("tokenizer_config.json", "config.json")
    return folder if all((folder / name).is_file() for name in needed) else None
