"""The importance matrix: how much each input column of each matrix moves the model's output.

llama.cpp's 4- and 5-bit files come out better when the quantizer knows which weights matter
("imatrix"): a column whose activations are large on real text turns its rounding errors into
large output errors. `collect_importance` runs the merged model over sample text and keeps,
for every linear layer, the mean squared input activation of each column; the quantizer
(engine.export.kquants) weighs each weight's rounding error by it.

The sample text is the run's own training writing, never its held-out part, so the measured
quality of the file is not flattered by text the quantizer has seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.contract.errors import EngineError
from engine.export.gguf_arch import gguf_tensor_name

# Enough text to rank columns (llama.cpp's imatrix runs ~100 chunks of 512 on big models;
# a small model settles with far less), short enough to add seconds to an export.
SAMPLE_TOKENS = 4096
WINDOW_TOKENS = 512
# The types whose fits use it (q8_0 and q4_0 come from the `gguf` library as they are).
IMPORTANCE_QUANTS = ("q4_k_m", "q5_k_m")


def sample_windows(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Windows of at most 512 tokens from `texts`, up to SAMPLE_TOKENS in all."""
    ids: list[int] = []
    for text in texts:
        ids += tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) >= SAMPLE_TOKENS:
            break
    ids = ids[:SAMPLE_TOKENS]
    return [ids[i : i + WINDOW_TOKENS] for i in range(0, len(ids), WINDOW_TOKENS) if ids[i:]]


def collect_importance(
    model: Any, windows: Sequence[Sequence[int]], tied_output: bool
) -> dict[str, np.ndarray]:
    """Mean squared input activation per column of every linear layer, by GGUF tensor name.

    With tied embeddings the output layer's importance belongs to token_embd, the matrix
    llama.cpp reuses as the output.
    """
    import torch

    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    hooks = []

    def hook_for(name: str) -> Any:
        def record(_module: Any, inputs: tuple[Any, ...]) -> None:
            x = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])
            sums[name] = sums.get(name, 0) + (x * x).sum(dim=0)
            counts[name] = counts.get(name, 0) + x.shape[0]

        return record

    for module_name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            hooks.append(module.register_forward_pre_hook(hook_for(module_name)))
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            for window in windows:
                model(input_ids=torch.tensor([list(window)], device=device), use_cache=False)
    finally:
        for handle in hooks:
            handle.remove()

    found: dict[str, np.ndarray] = {}
    for module_name, total in sums.items():
        if tied_output and module_name == "lm_head":
            gguf_name: str | None = "token_embd.weight"
        else:
            try:
                gguf_name = gguf_tensor_name(f"{module_name}.weight")
            except EngineError:
                gguf_name = None  # a layer the file does not keep (or a head of another kind)
        if gguf_name is not None:
            found[gguf_name] = (total / counts[module_name]).cpu().numpy()
    return found


def run_importance(info: Any, tokenizer: Any, model: Any, tied_output: bool) -> dict[str, Any]:
    """The importance matrix from the run's own training examples (never its held-out ones).

    The split is rebuilt from run.json as training made it (same data, same seed), and the
    examples are tokenised exactly as training saw them. Larger models read fewer tokens
    (the forward passes run on the processor). Returns {} when the run's writing is no
    longer where it was: the file is then written with the plain recipe.
    """
    from engine.contract.config import RunConfig
    from engine.data.prepare import prepare_examples
    from engine.prompt_format import encode_example

    try:
        config = RunConfig.from_dict(info.config["config"])
        prepared = prepare_examples(
            config.data,
            count_tokens=lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]),
            seed=config.training.seed,
        )
    except (EngineError, KeyError, OSError, ValueError):
        return {}
    parameters = sum(p.numel() for p in model.parameters())
    budget = int(min(SAMPLE_TOKENS, max(WINDOW_TOKENS, SAMPLE_TOKENS * 1e9 / parameters)))
    ids: list[int] = []
    for example in prepared.train:
        ids += encode_example(tokenizer, example, config.data.max_example_tokens).input_ids
        if len(ids) >= budget:
            break
    ids = ids[:budget]
    windows = [ids[i : i + WINDOW_TOKENS] for i in range(0, len(ids), WINDOW_TOKENS)]
    return collect_importance(model, windows, tied_output) if windows else {}
