"""The offline demo model: a tiny Llama built on this computer in a few seconds.

With no GPU and no network a newcomer must still see the whole path work, so the demo model
is made locally: a byte-level BPE tokenizer trained on the bundled sample texts, a chat
template with a clear end-of-turn token, and a small LlamaForCausalLM with random weights
(fixed seed). It learns to mimic the samples; it is not a real assistant.

The folder is cached and rebuilt only when missing or when `DEMO_VERSION` changes; it is
built in a temporary sibling folder and renamed into place so a crash never leaves half a
model behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.paths import assets_dir, demo_model_dir

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

    from engine.contract.config import TrainingSettings
    from engine.data.examples import Example

DEMO_VERSION = "2"
MARKER = "quillora-demo.json"

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

FALLBACK_TEXT = """\
Quillora helps you write in your own voice. Drop in a few pieces you are proud of, press
Start, and a small model learns the rhythm of your sentences, the words you reach for and the
way you open and close a paragraph. Nothing leaves your computer.

Good writing is clear before it is clever. Say the one thing the reader needs, then stop.
Short sentences carry weight; longer ones can carry a reader along when the thought needs room.

Our spring launch brings three new colours, a lighter frame and a battery that lasts the whole
weekend. Try it in store this Saturday, or order online and we will deliver it by Monday.
"""


def ensure_demo_model(root: Path | None = None) -> Path:
    """The demo model's folder, building it first if it is missing or out of date."""
    target = demo_model_dir(root)
    if _is_current(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=target.parent))
    try:
        build_demo_model(staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _is_current(folder: Path) -> bool:
    marker = folder / MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("version") == DEMO_VERSION
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


def build_demo_model(folder: Path) -> None:
    """Write tokenizer, config and random weights (safetensors) into `folder`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_demo_tokenizer(sample_texts())
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
        json.dumps({"version": DEMO_VERSION, "note": "Quillora offline demo model"}),
        encoding="utf-8",
    )


def build_demo_tokenizer(texts: list[str]) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on `texts`, with the demo chat template."""
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


def demo_training(training: TrainingSettings) -> TrainingSettings:
    """The demo's base weights are random, so it learns with a higher rate than a real model.

    Everything else stays as the dial derived it, so the demo exercises the real settings.
    """
    import dataclasses

    return dataclasses.replace(training, learning_rate=DEMO_LEARNING_RATE)


DEMO_LEARNING_RATE = 5e-3


def builtin_examples() -> list[Example]:
    """Prose examples from the built-in paragraphs (selftest; needs no files)."""
    from engine.data.examples import Example

    paragraphs = [" ".join(p.split()) for p in FALLBACK_TEXT.split("\n\n") if p.strip()]
    sentences = [s.strip() + "." for p in paragraphs for s in p.split(". ") if s.strip()]
    texts = paragraphs + sentences
    return [Example(response=t, source=f"builtin#{i}") for i, t in enumerate(texts)]
