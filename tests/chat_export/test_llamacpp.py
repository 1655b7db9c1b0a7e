"""A real llama.cpp runtime (llama-cpp-python, built from source) runs the exported GGUF.

Slow: it needs llama-cpp-python, whose CPU build takes several minutes; skipped when it does
not import. Runs: the demo run as f16 and q8_0; as f16, tiny Qwen2 and Mistral runs, a
Llama with a SentencePiece-style tokenizer, and byte-level tokenizers split by Llama 3's and
Qwen2's regexes. Checks: llama.cpp tokenizes the chat prompt exactly as transformers does;
its next-token logits match the merged transformers model's (max |difference| under 0.01
for f16, 0.2 for q8_0, on logits with a standard deviation of 0.2-0.8; correlation above
0.99); the top token agrees (q8_0: up to near-ties); greedy generation gives the same
tokens (f16) or runs (q8_0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

llama_cpp = pytest.importorskip("llama_cpp")

# q8_0: llama.cpp's CPU kernels also round the activations to 8 bits, hence the wider bound.
TOLERANCE = {"f16": 0.01, "q8_0": 0.2}
MESSAGES = [
    {"role": "user", "content": "Write two lines about our spring launch: 12345 cups, it's 90°C!"}
]


_REFERENCES: dict[Path, tuple] = {}


def reference(run_dir: Path) -> tuple:
    """The prompt's ids, transformers' last-position logits and greedy continuation."""
    if run_dir in _REFERENCES:
        return _REFERENCES[run_dir]
    import torch

    from engine.chat.loading import load_tokenizer
    from engine.chat.run_info import read_run
    from engine.chat.session import prompt_ids
    from engine.export.merged import load_merged
    from engine.prompt_format import render_chat

    info = read_run(run_dir)
    tokenizer = load_tokenizer(info)
    ids = prompt_ids(tokenizer, MESSAGES)
    model = load_merged(info, "float32")
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].numpy()
        greedy = model.generate(
            torch.tensor([ids]), max_new_tokens=6, do_sample=False, eos_token_id=None
        )[0, len(ids) :].tolist()
    text = render_chat(tokenizer, MESSAGES, add_generation_prompt=True)
    _REFERENCES[run_dir] = (ids, text, logits, greedy)
    return _REFERENCES[run_dir]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "quant"),
    [
        ("llama", "f16"),
        ("llama", "q8_0"),
        ("qwen2", "f16"),
        ("mistral", "f16"),
        ("llama-spm", "f16"),
        ("llama3-bpe", "f16"),
        ("qwen2-bpe", "f16"),
    ],
)
def test_llama_cpp_runs_the_gguf(
    arch: str, quant: str, arch_runs, gguf_exports, tmp_path: Path, record_property
) -> None:
    from engine.chat.run_info import read_run
    from engine.export.exports import export_gguf

    run_dir = arch_runs(arch)
    ids, text, want, greedy = reference(run_dir)
    if arch == "llama":
        result = gguf_exports(quant)  # the demo model's export, shared with test_gguf
    else:
        result = export_gguf(read_run(run_dir), tmp_path / "out", quant)
    llm = llama_cpp.Llama(
        model_path=str(result.path), n_ctx=256, n_threads=1, verbose=False, logits_all=True
    )
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    assert tokens == ids  # same tokenizer: vocabulary, merges, pre-tokenizer, specials

    llm.eval(tokens)
    got = np.asarray(llm.scores[len(tokens) - 1], dtype=np.float32)
    difference = float(np.abs(got - want).max())
    record_property(f"{quant}_max_logit_difference", difference)
    print(
        f"llama.cpp {arch} {quant}: max |logit difference| = {difference:.2e} (spread {want.std():.2f})"
    )
    correlation = float(np.corrcoef(got, want)[0, 1])
    print(f"  mean |difference| {np.abs(got - want).mean():.2e}, correlation {correlation:.5f}")
    assert got.shape == want.shape
    assert correlation > 0.99
    assert difference < TOLERANCE[quant]
    # llama.cpp's top token is transformers' top token, or (q8_0) one within the tolerance
    # of it: a random model's two best logits can sit closer than 8-bit rounding.
    assert want[int(got.argmax())] >= want.max() - (0.0 if quant == "f16" else TOLERANCE[quant])

    llm.reset()
    generated = []
    for token in llm.generate(tokens, temp=0.0, top_k=1):
        generated.append(token)
        if len(generated) == 6:
            break
    print(f"llama.cpp {arch} {quant} greedy: {generated}; transformers: {greedy}")
    assert len(generated) == 6
    if quant == "f16":
        assert generated == greedy
