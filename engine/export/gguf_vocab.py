"""The tokenizer part of a GGUF file, read from the run's tokenizer.json.

Two tokenizer families are written:
- byte-level BPE ("gpt2" in GGUF): Llama 3, Qwen2, the demo model. Tokens, token types,
  merges, and the pre-tokenizer name llama.cpp uses to pick its splitting regex
  ("llama-bpe", "qwen2", "smollm" or "gpt-2"), recognised from tokenizer.json's pre-tokenizer.
- SentencePiece-style BPE with byte fallback ("llama" in GGUF): Llama 2, Mistral 7B. Tokens,
  types (byte tokens <0xXX> marked as such) and scores; SentencePiece gives earlier pieces
  higher scores, and tokenizer.json keeps them in that order, so score = -id.
Special tokens (bos, eos, pad, end of turn) and the chat template travel too, so that
llama.cpp, Ollama and LM Studio format chats the way training did.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

LLAMA3_DIGITS = r"\p{N}{1,3}"


def _unsupported(why: str) -> EngineError:
    return EngineError(
        ErrorKind.UNSUPPORTED_MODEL,
        "GGUF export is not supported yet for this model's tokenizer.",
        detail=why,
    )


def _walk(node: Any) -> list[dict[str, Any]]:
    """A pre-tokenizer and, for a Sequence, its parts."""
    if not isinstance(node, dict):
        return []
    return [node, *(p for inner in node.get("pretokenizers", []) for p in _walk(inner))]


def pre_tokenizer_name(tokenizer_json: dict[str, Any]) -> str:
    """llama.cpp's name for the text splitting this byte-level BPE tokenizer does."""
    parts = _walk(tokenizer_json.get("pre_tokenizer"))
    patterns = [p.get("pattern", {}).get("Regex", "") for p in parts if p.get("type") == "Split"]
    if any(LLAMA3_DIGITS in pattern for pattern in patterns):
        return "llama-bpe"
    if any(r"\p{N}|" in pattern or pattern.endswith(r"\p{N}") for pattern in patterns):
        return "qwen2"
    byte_level_regex = any(p.get("type") == "ByteLevel" and p.get("use_regex", True) for p in parts)
    digits_alone = any(p.get("type") == "Digits" and p.get("individual_digits") for p in parts)
    if not patterns and byte_level_regex and digits_alone:
        return "smollm"  # SmolLM, StarCoder: each digit alone, then GPT-2's split
    if not patterns and byte_level_regex:
        return "gpt-2"
    raise _unsupported(f"unknown pre-tokenizer {tokenizer_json.get('pre_tokenizer')}")


def _merges(model: dict[str, Any]) -> list[str]:
    return [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]


def _adds_space_prefix(tokenizer_json: dict[str, Any]) -> bool:
    normalizers = _walk(tokenizer_json.get("normalizer"))
    normalizers += [
        n
        for inner in (tokenizer_json.get("normalizer") or {}).get("normalizers", [])
        for n in _walk(inner)
    ]
    if any(n.get("type") == "Prepend" for n in normalizers):
        return True
    return any(
        p.get("type") == "Metaspace" and p.get("prepend_scheme", "always") != "never"
        for p in _walk(tokenizer_json.get("pre_tokenizer"))
    )


def write_tokenizer(writer: Any, tokenizer: Any, tokenizer_dir: Path, vocab_size: int) -> None:
    """Add tokens, types, merges or scores, special ids and the chat template to `writer`."""
    path = tokenizer_dir / "tokenizer.json"
    if not path.exists():
        raise _unsupported("no tokenizer.json (a fast tokenizer is needed)")
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data.get("model", {})
    if model.get("type") != "BPE":
        raise _unsupported(f"tokenizer model {model.get('type')}")
    byte_level = any(p.get("type") == "ByteLevel" for p in _walk(data.get("pre_tokenizer")))
    spm = bool(model.get("byte_fallback")) and not byte_level
    if not byte_level and not spm:
        raise _unsupported("a BPE tokenizer that is neither byte-level nor SentencePiece")

    tokens: list[str | None] = [None] * vocab_size
    types = [UNUSED] * vocab_size
    for text, index in model["vocab"].items():
        if index < vocab_size:
            tokens[index] = text
            types[index] = NORMAL
            if spm and len(text) == 6 and text.startswith("<0x") and text.endswith(">"):
                types[index] = BYTE
    for added in data.get("added_tokens", []):
        index = int(added["id"])
        if index < vocab_size:
            tokens[index] = added["content"]
            types[index] = CONTROL if added.get("special") else USER_DEFINED
    if tokenizer.unk_token_id is not None and tokenizer.unk_token_id < vocab_size:
        types[tokenizer.unk_token_id] = UNKNOWN
    names = [t if t is not None else f"[PAD{i}]" for i, t in enumerate(tokens)]

    writer.add_tokenizer_model("llama" if spm else "gpt2")
    if spm:
        writer.add_tokenizer_pre("default")
        writer.add_token_list(names)
        writer.add_token_scores([-float(i) for i in range(vocab_size)])
        writer.add_token_types(types)
        writer.add_add_space_prefix(_adds_space_prefix(data))
    else:
        writer.add_tokenizer_pre(pre_tokenizer_name(data))
        writer.add_token_list(names)
        writer.add_token_types(types)
        writer.add_token_merges(_merges(model))
    _write_special_tokens(writer, tokenizer, tokenizer_dir)
    if isinstance(tokenizer.chat_template, str) and tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def _write_special_tokens(writer: Any, tokenizer: Any, tokenizer_dir: Path) -> None:
    from engine.export.chat_template import end_of_turn_ids

    if tokenizer.bos_token_id is not None:
        writer.add_bos_token_id(int(tokenizer.bos_token_id))
    if tokenizer.eos_token_id is not None:
        writer.add_eos_token_id(int(tokenizer.eos_token_id))
    if tokenizer.unk_token_id is not None:
        writer.add_unk_token_id(int(tokenizer.unk_token_id))
    if tokenizer.pad_token_id is not None:
        writer.add_pad_token_id(int(tokenizer.pad_token_id))
    for token_id in sorted(end_of_turn_ids(tokenizer)):
        if token_id != tokenizer.eos_token_id:
            writer.add_eot_token_id(int(token_id))
            break
    writer.add_add_bos_token(_adds_bos(tokenizer, tokenizer_dir))
    writer.add_add_eos_token(False)


def _adds_bos(tokenizer: Any, tokenizer_dir: Path) -> bool:
    """Whether the tokenizer puts bos in front of text (as llama.cpp should, to match)."""
    if tokenizer.bos_token_id is None:
        return False
    ids = tokenizer("a", add_special_tokens=True)["input_ids"]
    return bool(ids) and ids[0] == tokenizer.bos_token_id
