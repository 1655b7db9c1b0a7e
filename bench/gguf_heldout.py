"""A trained run's GGUF files read by llama.cpp, on the run's own held-out examples.

For each type: `engine export --format gguf` writes the file, then llama.cpp
(llama-cpp-python, where installed) reads it and scores every held-out example, tokenised
exactly as training saw it. Reported: perplexity on the answers' tokens and how
often the top token equals the f16 file's at each answer position. llama.cpp's own Q4_K_M,
quantised by llama.cpp from our f16 file, is measured beside ours.

    PYTHONPATH=. python bench/gguf_heldout.py RUN_DIR > bench/results/gguf-heldout.json
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def heldout_sequences(info: Any, tokenizer: Any) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels) of the run's held-out examples, as training encoded them."""
    from engine.contract.config import RunConfig
    from engine.data.prepare import prepare_examples
    from engine.prompt_format import encode_example

    config = RunConfig.from_dict(info.config["config"])
    prepared = prepare_examples(
        config.data,
        count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
        seed=config.training.seed,
    )
    encoded = [
        encode_example(tokenizer, e, config.data.max_example_tokens) for e in prepared.heldout
    ]
    return [(list(e.input_ids), list(e.labels)) for e in encoded]


def score(path: Path, sequences: list[tuple[list[int], list[int]]]) -> tuple[np.ndarray, float]:
    """Top tokens at every answer position, and the perplexity of the answers."""
    import llama_cpp

    runtime = llama_cpp.Llama(str(path), n_ctx=2048, logits_all=True, verbose=False, n_threads=2)
    tops, nll, count = [], 0.0, 0
    for ids, labels in sequences:
        runtime.reset()
        runtime.eval(ids)
        logits = np.asarray(runtime.scores[: len(ids)], dtype=np.float64)[:-1]
        targets = np.asarray(labels[1:])
        answer = targets != -100
        peak = logits.max(axis=-1, keepdims=True)
        logsum = np.log(np.exp(logits - peak).sum(axis=-1)) + peak[:, 0]
        picked = logits[np.arange(len(targets)), np.where(answer, targets, 0)]
        nll += float((logsum - picked)[answer].sum())
        count += int(answer.sum())
        tops.append(logits.argmax(axis=-1)[answer])
    return np.concatenate(tops), math.exp(nll / count)


def llama_cpp_q4_k_m(source: Path, target: Path) -> Path:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = 2
    if llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    ):
        raise RuntimeError("llama.cpp could not quantize the file")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    from engine.chat.loading import load_tokenizer
    from engine.chat.run_info import read_run
    from engine.export.exports import export_gguf

    info = read_run(args.run)
    sequences = heldout_sequences(info, load_tokenizer(info))
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, Path] = {}
        for quant in ("f16", "q8_0", "q5_k_m", "q4_k_m", "q4_0"):
            began = time.perf_counter()
            files[quant] = export_gguf(info, Path(tmp) / quant, quant).path
            rows[quant] = {"export_seconds": round(time.perf_counter() - began, 1)}
        files["q4_k_m (llama.cpp's own)"] = llama_cpp_q4_k_m(
            files["f16"], Path(tmp) / "theirs.gguf"
        )
        reference, reference_ppl = score(files["f16"], sequences)
        for name, path in files.items():
            tops, ppl = (reference, reference_ppl) if name == "f16" else score(path, sequences)
            row = rows.setdefault(name, {})
            row.update(
                {
                    "megabytes": round(path.stat().st_size / 1e6, 1),
                    "perplexity": round(ppl, 3),
                    "perplexity_vs_f16": round(ppl / reference_ppl - 1, 4),
                    "top_token_same_as_f16": round(float((tops == reference).mean()), 4),
                }
            )
            print(name, row, file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "gguf_heldout",
                "run": args.run.name,
                "base_model": info.base_model_name,
                "heldout_examples": len(sequences),
                "answer_positions": int(reference.size),
                "reader": "llama.cpp (llama-cpp-python)",
                "types": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
