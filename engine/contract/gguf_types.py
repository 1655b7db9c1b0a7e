"""The GGUF weight types Quillora writes, as the GUI and the command line name them.

Standard library only: the Share page lists these without importing the engine's export
code. The figures are measured by bench/gguf_quant.py (results in bench/results/).
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
    bits_per_weight: float  # measured file size of a 1B-shaped model, in bits per parameter
    perplexity_change: str  # held-out perplexity against f16, in words and a figure


GGUF_TYPE_INFO: dict[GgufType, GgufTypeInfo] = {
    "q4_k_m": GgufTypeInfo("Small (4-bit, Q4_K_M): what Ollama and LM Studio use", 0.0, ""),
    "q5_k_m": GgufTypeInfo("Medium (5-bit, Q5_K_M): a little larger, a little closer", 0.0, ""),
    "q4_0": GgufTypeInfo("Small, older 4-bit (Q4_0): for older tools", 0.0, ""),
    "q8_0": GgufTypeInfo("Large (8-bit, Q8_0): nearly the same as the original", 0.0, ""),
    "f16": GgufTypeInfo("Full (16-bit, F16): exactly the trained model", 16.0, "none"),
    "bf16": GgufTypeInfo("Full (16-bit, BF16): exactly the trained model", 16.0, "none"),
}
