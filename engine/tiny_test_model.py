"""The tiny test model: a random 2-layer Llama built on this computer in a few seconds.

For fast tests and benchmarks of the engine's own code only (`--model tiny-test`); users get
the real demo model (engine/demo.py). It is made locally: a byte-level BPE tokenizer trained
on the bundled sample texts, a chat template with a clear end-of-turn token, and a small
LlamaForCausalLM with random weights (fixed seed). It can only mimic its samples.

The folder is cached and rebuilt only when missing or when `TINY_TEST_VERSION` changes; it is
built in a temporary sibling folder and renamed into place so a crash never leaves half a
model behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.paths import assets_dir, tiny_test_model_dir
from engine.demo import FALLBACK_TEXT
from engine.staging import built_in_place_of

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

    from engine.contract.config import TrainingSettings

TINY_TEST_MODEL = "tiny-test"
TINY_TEST_VERSION = "2"
MARKER = "quillora-tiny-test.json"

END_TOKEN = "<|end|>"
SPECIAL_TOKENS = ["<|pad|>", "<|begin|>", END_TOKEN, "<|system|>", "<|user|>", "<|assistant|>"]

# Each turn: a role token, a newline, the text, the end token. The assistant's end token is
# the eos the generator stops on and the token the trainer teaches the model to write.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)

# Shape and scale chosen by measurement on the bundled brand-voice sample (CPU, 60 steps):
# a small vocabulary keeps the starting loss and the softmax small; an untied output layer
# avoids the "repeat the current token" bias that tied random embeddings start with; 256
# wide gives LoRA more random features to combine than 128 at about the same step time.
VOCAB_SIZE = 1024
MODEL_SHAPE: dict[str, Any] = {
    "hidden_size": 256,
    "intermediate_size": 768,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 2048,
    "initializer_range": 0.05,
}
SEED = 1234


def ensure_tiny_test_model(root: Path | None = None) -> Path:
    """The tiny test model's folder, building it first if it is missing or out of date."""
    target = tiny_test_model_dir(root)
    if _is_current(target):
        return target
    with built_in_place_of(target, ".tiny-test-build-") as staging:
        build_tiny_test_model(staging)
    return target


def _is_current(folder: Path) -> bool:
    marker = folder / MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("version") == TINY_TEST_VERSION
    except (OSError, ValueError):
        return False


def sample_texts() -> list[str]:
    """The bundled sample writing the tokenizer learns its vocabulary from."""
    samples = assets_dir() / "samples"
    texts: list[str] = []
    if samples.is_dir():
        for path in sorted(samples.rglob("*")):
            if path.is_file() and path.suffix.lower() in (".txt", ".md", ".csv", ".jsonl"):
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts or [FALLBACK_TEXT]


def build_tiny_test_model(folder: Path) -> None:
    """Write tokenizer, config and random weights (safetensors) into `folder`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tiny_test_tokenizer(sample_texts())
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
        rms_norm_eps=1e-5,
        **MODEL_SHAPE,
    )
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(SEED)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(generator_state)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    (folder / MARKER).write_text(
        json.dumps({"version": TINY_TEST_VERSION, "note": "Quillora tiny test model (random)"}),
        encoding="utf-8",
    )


def build_tiny_test_tokenizer(texts: list[str]) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on `texts`, with the tiny test chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<|begin|>",
        eos_token=END_TOKEN,
        pad_token="<|pad|>",
        additional_special_tokens=SPECIAL_TOKENS[3:],
        model_max_length=MODEL_SHAPE["max_position_embeddings"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def tiny_test_training(training: TrainingSettings) -> TrainingSettings:
    """Random base weights learn with a higher rate than a real model's.

    Everything else stays as the dial derived it, so the tests exercise the real settings.
    """
    import dataclasses

    return dataclasses.replace(training, learning_rate=TINY_TEST_LEARNING_RATE)


TINY_TEST_LEARNING_RATE = 5e-3
