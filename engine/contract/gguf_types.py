"""The GGUF weight types Quillora writes, as the GUI and the command line name them.

Standard library only: the Share page lists these without importing the engine's export
code. The figures are measured by bench/gguf_quant.py (results in bench/results/, method in
docs/export.md): on SmolLM2-135M-Instruct's weights for size and quality, on a model in the
shape of Llama-3.2-1B for export time on 2 CPU cores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GgufType = Literal["q4_k_m", "q5_k_m", "q4_0", "q8_0", "f16", "bf16"]
GGUF_TYPES: tuple[GgufType, ...] = ("q4_k_m", "q5_k_m", "q4_0", "q8_0", "f16", "bf16")
DEFAULT_GGUF_TYPE: GgufType = "q4_k_m"


@dataclass(frozen=True)
class GgufTypeInfo:
    label: str  # what the Share page offers
    bits_per_weight: float  # file size per parameter, Llama-3.2-1B shape
    perplexity_change: float  # held-out perplexity against f16, SmolLM2-135M (0.05 = +5%)
    same_top_word: float  # share of held-out positions whose likeliest next token is f16's
    minutes_1b: float  # export time of the 1B shape on 2 (shared) CPU cores


GGUF_TYPE_INFO: dict[GgufType, GgufTypeInfo] = {
    "q4_k_m": GgufTypeInfo(
        "Small (4-bit, Q4_K_M): what Ollama and LM Studio use", 5.20, 0.051, 0.880, 3.6
    ),
    "q5_k_m": GgufTypeInfo(
        "Medium (5-bit, Q5_K_M): a little larger, a little closer", 5.87, 0.051, 0.875, 3.1
    ),
    "q4_0": GgufTypeInfo("Smallest (4-bit, Q4_0): for older tools", 4.96, 0.194, 0.702, 0.9),
    "q8_0": GgufTypeInfo(
        "Large (8-bit, Q8_0): nearly the same as the original", 8.52, 0.001, 0.983, 1.0
    ),
    "f16": GgufTypeInfo("Full (16-bit, F16): exactly the trained model", 16.02, 0.0, 1.0, 0.9),
    "bf16": GgufTypeInfo("Full (16-bit, BF16): exactly the trained model", 16.02, 0.0, 1.0, 0.9),
}


def type_summary(key: str) -> str:
    """One plain sentence on what a type costs, from the measured figures."""
    info = GGUF_TYPE_INFO.get(key)  # type: ignore[call-overload]
    if info is None:
        return ""
    size = f"A 1B model becomes about {info.bits_per_weight / 8 * 1.24:.1f} GB"
    if info.perplexity_change == 0:
        quality = "nothing the model learned is rounded away"
    else:
        quality = (
            f"in our test its likeliest next word matched the full model's "
            f"{info.same_top_word:.0%} of the time"
        )
    minutes = max(1, round(info.minutes_1b))
    return f"{size}; {quality}. Making it takes about {minutes} min per billion parameters on 2 CPU cores."


# Model families (the catalog's "family") that the GGUF converter writes. The others are
# still trained, chatted with and exported as an adapter or merged model; their catalog card
# says before training that they cannot go to Ollama or LM Studio, and why.
GGUF_FAMILIES = ("llama", "mistral", "qwen2")
_NOT_YET = {
    "phi3": "Phi-3.5's long-context settings (LongRoPE) and fused layers",
    "gemma2": "Gemma 2's extra normalisation layers and output soft-capping",
}


def gguf_note(family: str) -> str:
    """What a catalog card says about sharing to Ollama / LM Studio ("" when it works)."""
    if family in GGUF_FAMILIES or family == "":
        return ""
    what = _NOT_YET.get(family, "this model family")
    return (
        "Cannot be shared to Ollama or LM Studio yet: Quillora's GGUF converter does not "
        f"handle {what}. You can still train it, try it here, and export the adapter or a "
        "merged model."
    )
