"""The real demo model, end to end: its ChatML template, packing, the preview tokenizer, the
dial's learning rate, chat that stops, the GGUF export and its Modelfile, and the selftest.

Everything else in the suite runs on the tiny random test model; these tests are the ones
that see a real tokenizer, a real chat template and a real model's learning rate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.data.examples import Example
from engine.prompt_format import IGNORE, encode_example

from .conftest import DEMO_STEPS, REPO

END = "<|im_end|>"


def test_the_demo_is_smollm2_converted_from_the_shipped_gguf(real_demo_model: Path) -> None:
    from engine.demo import DEMO_GGUF_NAME, demo_gguf_path
    from engine.gguf_import import MARKER

    config = json.loads((real_demo_model / "config.json").read_text())
    assert config["model_type"] == "llama" and config["num_hidden_layers"] == 30
    assert config["hidden_size"] == 576 and config["vocab_size"] == 49152
    assert "quantization_config" not in config  # a plain bf16 model, quantised to NF4 at load
    source = json.loads((real_demo_model / MARKER).read_text())["source"]
    assert source["file"].endswith(DEMO_GGUF_NAME) and Path(source["file"]) == demo_gguf_path()


def test_chatml_template_masks_the_prompt_and_trains_answer_and_end(real_demo_tokenizer) -> None:
    tokenizer = real_demo_tokenizer
    assert tokenizer.eos_token == END
    example = Example(response="Fresh bread, every morning.", prompt="A tagline, please.")
    encoded = encode_example(tokenizer, example, 256)
    first = next(i for i, label in enumerate(encoded.labels) if label != IGNORE)
    prompt = tokenizer.decode(encoded.input_ids[:first])
    assert prompt.startswith("<|im_start|>system\n")
    assert prompt.endswith(
        "<|im_start|>user\nA tagline, please.<|im_end|>\n<|im_start|>assistant\n"
    )
    trained = [
        t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label != IGNORE
    ]
    assert tokenizer.decode(trained) == "Fresh bread, every morning.<|im_end|>"
    assert trained[-1] == tokenizer.eos_token_id
    assert all(label == IGNORE for label in encoded.labels[:first])


def test_preview_tokenizer_equals_the_training_tokenizer(
    real_demo_model: Path, real_demo_tokenizer
) -> None:
    from engine.data.preview_tokenizer import load_preview_tokenizer
    from engine.demo import builtin_examples

    light = load_preview_tokenizer(real_demo_model)
    assert light is not None
    examples = [*builtin_examples()[:10], Example(response="Hi!", prompt="Hey?", system="Brief.")]
    examples.append(Example(response="Café crème, 12,50 € — à bientôt ✨", prompt="Price?"))
    for example in examples:
        assert encode_example(light, example, 256) == encode_example(
            real_demo_tokenizer, example, 256
        )


def test_packed_examples_equal_alone_on_the_real_model(
    real_demo_model: Path, real_demo_tokenizer
) -> None:
    import torch

    from engine.modeling import choose_placement, load_4bit_model
    from engine.train.packing import collate

    model = load_4bit_model(real_demo_model, choose_placement(), gradient_checkpointing=False)
    texts = ["Meet the new lamp: brighter than ever.", "Short sentences carry weight."]
    examples = [encode_example(real_demo_tokenizer, Example(response=t), 64) for t in texts]
    with torch.no_grad():
        alone = [
            model(input_ids=torch.tensor([e.input_ids]), use_cache=False).logits[0].float()
            for e in examples
        ]
        batch = collate([[0, 1]], examples, real_demo_tokenizer.pad_token_id, "cpu")
        packed = (
            model(input_ids=batch.input_ids, position_ids=batch.position_ids, use_cache=False)
            .logits[0]
            .float()
        )
        leaky = model(input_ids=batch.input_ids, use_cache=False).logits[0].float()
    second = slice(len(examples[0]), len(examples[0]) + len(examples[1]))
    scale = float(alone[1].abs().max())
    worst = float((packed[second] - alone[1]).abs().max())
    leak = float((leaky[second] - alone[1]).abs().max())
    print(
        f"packed-vs-alone max |diff| {worst:.4f}, with cross-attention {leak:.3f}, scale {scale:.1f}"
    )
    # bf16 compute through 30 layers: the same math in differently shaped matmuls rounds
    # differently (measured: 0.75 on logits of scale 33); cross-attention moves them by ~27.
    assert worst < 0.05 * scale
    assert leak > 10 * worst  # the check would notice examples attending to each other


def test_the_dials_learning_rate_is_the_one_used(
    real_demo_run: Path, real_demo_events: list[dict[str, Any]]
) -> None:
    from engine.contract.catalog import shape_from_config
    from engine.contract.presets import DIAL, learning_rate

    run = json.loads((real_demo_run / "run.json").read_text())
    training = run["config"]["training"]
    dial = training["dial"]
    shape = shape_from_config(
        json.loads((Path(run["base_model_path"]) / "config.json").read_text())
    )
    expected = learning_rate(dial, shape)
    # SmolLM2 is 576 wide: the dial's rate (made for 4,096-wide models) times five.
    assert training["learning_rate"] == expected == 5 * DIAL[dial].learning_rate
    steps = [e for e in real_demo_events if e["type"] == "step_progress"]
    assert len(steps) == DEMO_STEPS
    peak = max(e["learning_rate"] for e in steps)  # after the warm-up, the rate itself
    assert DIAL[dial].learning_rate < peak <= expected * 1.0001
    assert all(e["loss"] == e["loss"] and e["loss"] < 10 for e in steps)  # finite, sane


def test_chat_stops_at_the_end_token(real_demo_run: Path) -> None:
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession
    from engine.contract.chat_protocol import GenerateRequest, Message

    session = ChatSession(read_run(real_demo_run), merged=True, device="cpu")  # as on a CPU
    assert session.tokenizer.convert_tokens_to_ids(END) in session.eos_ids
    ask = "Write a one-sentence tagline for a small bakery."
    request = GenerateRequest(
        id="t", messages=(Message("user", ask),), temperature=0.0, max_new_tokens=80, seed=1
    )
    reply = session.reply(request, on_text=lambda _: None)
    print(f"demo reply: {reply.text!r} ({len(reply.token_ids)} tokens, {reply.seconds:.1f} s)")
    assert 0 < len(reply.token_ids) < 80  # ended by <|im_end|>, not by the length limit
    assert END not in reply.text and reply.text.strip()
    words = reply.text.lower().split()
    assert len(set(words)) > len(words) / 2  # no runaway repetition


def test_gguf_export_reads_back_with_the_smollm_pre_tokenizer(real_demo_gguf) -> None:
    import gguf

    result = real_demo_gguf()
    reader = gguf.GGUFReader(str(result.path))

    def field(key: str) -> Any:
        return reader.fields[key].contents()

    assert field("general.architecture") == "llama"
    assert field("tokenizer.ggml.model") == "gpt2"
    assert field("tokenizer.ggml.pre") == "smollm"
    tokens = field("tokenizer.ggml.tokens")
    assert len(tokens) == 49152 and tokens[field("tokenizer.ggml.eos_token_id")] == END
    assert field("llama.block_count") == 30


def test_the_exported_modelfile_has_the_template_and_stop_tokens(real_demo_gguf) -> None:
    text = Path(real_demo_gguf().modelfile).read_text(encoding="utf-8")
    assert text.count('TEMPLATE """') == 1
    assert "<|im_start|>assistant" in text and "{{ .Content }}" in text
    assert f'PARAMETER stop "{END}"' in text


def test_llama_cpp_gives_the_engines_greedy_tokens(real_demo_run: Path, real_demo_gguf) -> None:
    """llama.cpp reading our f16 file writes the engine's greedy reply token for token, end
    token included; with q8_0 it picks the engine's top token at most positions of a longer
    text (teacher-forced, so one near-tie does not derail the rest of the comparison)."""
    llama_cpp = pytest.importorskip("llama_cpp")
    import numpy as np
    import torch

    from engine.chat.loading import load_tokenizer
    from engine.chat.run_info import read_run
    from engine.chat.session import prompt_ids
    from engine.export.merged import load_merged

    info = read_run(real_demo_run)
    tokenizer = load_tokenizer(info)
    ids = prompt_ids(tokenizer, [{"role": "user", "content": "Name a colour."}])
    model = load_merged(info, "float32")
    with torch.no_grad():
        reply = model.generate(torch.tensor([ids]), max_new_tokens=32, do_sample=False)
        longer = model.generate(
            torch.tensor([ids]), max_new_tokens=48, min_new_tokens=48, do_sample=False
        )
        engine_top = model(longer).logits[0, len(ids) - 1 : -1].argmax(-1).tolist()
    want = reply[0, len(ids) :].tolist()
    assert want[-1] == tokenizer.eos_token_id  # a whole reply, not cut by the length

    exact = llama_cpp.Llama(str(real_demo_gguf("f16").path), n_ctx=256, verbose=False)
    got: list[int] = []
    for token in exact.generate(ids, temp=0.0, top_k=1):
        got.append(token)
        if len(got) == len(want):
            break
    assert got == want

    q8 = llama_cpp.Llama(str(real_demo_gguf().path), n_ctx=256, logits_all=True, verbose=False)
    q8.eval(longer[0].tolist())
    scores = np.asarray(q8.scores[: longer.shape[1]])
    top = scores[len(ids) - 1 : -1].argmax(axis=-1).tolist()
    same = sum(a == b for a, b in zip(top, engine_top, strict=True)) / len(top)
    print(f"llama.cpp: f16 reply {len(want)} tokens equal; q8_0 same top token {same:.0%}")
    assert same >= 0.85


def test_selftest_trains_the_real_demo(real_demo_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "selftest", "--steps", "4"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["type"] == "report" and report["name"] == "selftest"
    body = report["body"]
    assert body["ok"] and body["loss_fell"] and body["steps"] == 4
    assert body["versions"]["bitsandbytes"] and body["cuda"] is False
