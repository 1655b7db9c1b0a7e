"""A tiny trained-looking run folder for the chat and export tests.

The base model is the tiny test model (engine.tiny_test_model) built in a temporary data folder; the
adapter is a real PEFT LoRA adapter on all linear layers whose B matrices are given small
random values (seeded), so that it changes the model's output the way a trained one does,
without spending test time on training.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _build_base(root: Path) -> Path:
    from engine.tiny_test_model import ensure_tiny_test_model

    return ensure_tiny_test_model(root)


def make_run(base_dir: Path, run_dir: Path, scale: float = 0.3, seed: int = 7) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    lora = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, lora)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * scale)
    adapter_dir = run_dir / "adapter"
    peft_model.save_pretrained(adapter_dir)
    AutoTokenizer.from_pretrained(base_dir).save_pretrained(adapter_dir)
    run_json = {
        "config": {"model": {"name": "tiny-test", "revision": "main"}, "lora": {"rank": 8}},
        "base_model_path": str(base_dir),
    }
    (run_dir / "run.json").write_text(json.dumps(run_json), encoding="utf-8")
    return run_dir


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_base(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def tiny_run(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tiny_base, tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def gguf_exports(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo run exported as GGUF, once per quantisation, on first use."""
    from engine.chat.run_info import read_run
    from engine.export.exports import export_gguf

    info = read_run(tiny_run)
    made: dict[str, object] = {}

    def get(quant: str):
        if quant not in made:
            made[quant] = export_gguf(info, tmp_path_factory.mktemp(f"gguf-{quant}"), quant)
        return made[quant]

    return get


def build_tiny_base(arch: str, tiny_base: Path, folder: Path, tokenizer: object = None) -> Path:
    """A tiny Qwen2 or Mistral model (random weights), by default with the demo tokenizer."""
    import torch
    from transformers import (
        AutoTokenizer,
        MistralConfig,
        MistralForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    tokenizer = tokenizer or AutoTokenizer.from_pretrained(tiny_base)
    shape = dict(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    config_cls, model_cls = {
        "qwen2": (Qwen2Config, Qwen2ForCausalLM),
        "mistral": (MistralConfig, MistralForCausalLM),
    }[arch]
    torch.manual_seed(3)
    model = model_cls(config_cls(**shape, tie_word_embeddings=arch == "qwen2"))
    if arch == "qwen2":  # Qwen2's q/k/v biases start at zero; make them count
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith("bias"):
                    param.normal_(std=0.2)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def arch_runs(tiny_base: Path, tiny_run: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run folders for the demo Llama, tiny Qwen2 / Mistral models and a Llama with a
    SentencePiece-style tokenizer ("llama-spm"), each made on first use."""
    made: dict[str, Path] = {"llama": tiny_run}

    def get(arch: str) -> Path:
        if arch not in made:
            folder = tmp_path_factory.mktemp(f"{arch}-base")
            if arch == "llama-spm":
                base = build_spm_base(tiny_base, folder)
            elif arch in SPLIT_PATTERNS:
                base = build_regex_bpe_base(arch, tiny_base, folder)
            else:
                base = build_tiny_base(arch, tiny_base, folder)
            made[arch] = make_run(base, tmp_path_factory.mktemp(f"{arch}-run"))
        return made[arch]

    return get


SPM_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}"
    "{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
)


def build_spm_tokenizer(texts: list[str], folder: Path) -> None:
    """A Llama 2 / Mistral-style tokenizer: BPE over "▁"-marked text with byte fallback.

    Laid out as those models' tokenizer.json files are: <unk>, <s>, </s>, then the 256
    byte pieces <0x00>..<0xFF>, then the learnt pieces in the order their merges were learnt.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<unk>", "<s>", "</s>"]
    normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    learner = Tokenizer(models.BPE(unk_token="<unk>"))
    learner.normalizer = normalizer
    learner.train_from_iterator(
        texts, trainers.BpeTrainer(vocab_size=700, special_tokens=specials, show_progress=False)
    )
    learnt = learner.get_vocab()
    vocab = {token: i for i, token in enumerate(specials)}
    vocab.update({f"<0x{b:02X}>": 3 + b for b in range(256)})
    for token, _ in sorted(learnt.items(), key=lambda item: item[1]):
        if token not in vocab:
            vocab[token] = len(vocab)
    import json as _json

    merges = _json.loads(learner.to_str())["model"]["merges"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]
    core = Tokenizer(
        models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True)
    )
    core.normalizer = normalizer
    core.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    core.add_special_tokens(specials)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    tokenizer.chat_template = SPM_TEMPLATE
    tokenizer.save_pretrained(folder)


def build_spm_base(tiny_base: Path, folder: Path) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from engine.tiny_test_model import sample_texts

    build_spm_tokenizer(sample_texts(), folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(5)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=1024,
        bos_token_id=1, eos_token_id=2,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(folder, safe_serialization=True)
    return folder


# The pre-tokenizer regexes of Llama 3's and Qwen2's tokenizer.json files (public).
SPLIT_PATTERNS = {
    "llama3-bpe": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen2-bpe": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}


def build_regex_bpe_base(kind: str, tiny_base: Path, folder: Path) -> Path:
    """A byte-level BPE split by Llama 3's or Qwen2's regex, on a tiny Llama or Qwen2."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    from engine.tiny_test_model import sample_texts

    demo = AutoTokenizer.from_pretrained(tiny_base)
    specials = ["<|pad|>", "<|begin|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERNS[kind]), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(sample_texts(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<|begin|>", eos_token="<|end|>", pad_token="<|pad|>"
    )
    tokenizer.chat_template = demo.chat_template
    arch = "qwen2" if kind.startswith("qwen2") else "mistral"
    build_tiny_base(arch, tiny_base, folder, tokenizer=tokenizer)
    return folder
