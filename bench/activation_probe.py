"""Measure the activations autograd keeps for backward, per token and decoder layer (CPU).

Checks the per-layer activation term of engine/contract/estimates.py against the engine's
own loading path (engine.modeling, plain transformers modules, no fused kernels):

    python bench/activation_probe.py --out bench/results/activation-probe-cpu-<date>.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_bench import _free, _versions, build_random_model, load_baseline, load_engine

from engine.contract.estimates import K_HIDDEN, K_INTERMEDIATE, LLAMA_3_2_1B, ModelShape


def probe_activations(base: ModelShape, variant: str) -> dict[str, Any]:
    """Bytes autograd saves for backward, per token and decoder layer, measured on the CPU.

    Builds 1- and 2-layer models at `base`'s width (small vocabulary), runs forward passes of
    256 and 512 tokens under `saved_tensors_hooks`, and takes the slope in both, so weights,
    logits and fixed buffers cancel out. Checks the estimator's per-layer activation term for
    the engine's own code path (no checkpointing; plain transformers modules, no Liger).
    """
    saved: dict[tuple[int, int], int] = {}
    for layers in (1, 2):
        shape = ModelShape(
            layers, base.hidden, base.intermediate, base.heads, base.kv_heads, 1024, True
        )
        with tempfile.TemporaryDirectory(prefix="quillora-probe-") as tmp:
            folder = Path(tmp) / "model"
            build_random_model(shape, folder, "cpu")
            for tokens in (256, 512):
                if variant == "baseline":
                    model = load_baseline(folder, "cpu")
                else:
                    model = load_engine(folder, "cpu", checkpointed=0)
                saved[(layers, tokens)] = _saved_bytes(model, tokens)
                del model
                _free("cpu")
    per_layer = {t: saved[(2, t)] - saved[(1, t)] for t in (256, 512)}
    measured = (per_layer[512] - per_layer[256]) / 256
    estimate = K_HIDDEN * base.hidden + K_INTERMEDIATE * base.intermediate
    return {
        "variant": variant,
        "hidden": base.hidden,
        "intermediate": base.intermediate,
        "bytes_per_token_per_layer": measured,
        "estimate_with_fused_kernels": round(estimate),
        "ratio": round(measured / estimate, 3),
    }


def _saved_bytes(model: Any, tokens: int) -> int:
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.train()
    ids = torch.randint(0, 1024, (1, tokens))
    positions = torch.arange(tokens)[None]
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(input_ids=ids, position_ids=positions, use_cache=False)
    return sum(storages.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    torch.set_num_threads(1)
    report = {"benchmark": "activation-probe", "device": "cpu", "versions": _versions()}
    report["results"] = [probe_activations(LLAMA_3_2_1B, "engine")]
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
