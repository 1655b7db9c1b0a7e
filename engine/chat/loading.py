"""Load a run's model for chat: the 4-bit base with the adapter, or 16-bit merged weights.

- `load_adapter_model`: the base quantised to NF4 on load (bitsandbytes, as in training) with
  the PEFT adapter on top. Small in memory; the base variant is the same model inside
  peft's `disable_adapter()`.
- `load_merged_model`: the base in 16-bit (bf16 where the GPU supports it; on the CPU bf16
  where it computes bf16 natively, else fp32) with the adapter merged in place by peft's
  `merge_adapter()`. Faster to decode (no LoRA side path, no 4-bit unpacking). The base
  variant: `MergedWeights.base()` (an exact swap of weight tensors on the CPU).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.chat.run_info import RunInfo

if TYPE_CHECKING:
    import torch
    from peft import PeftModel
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def compute_dtype(device: str) -> torch.dtype:
    """bf16 on GPUs that have it, fp16 on older GPUs, fp32 on the CPU (bf16 there is slow)."""
    import torch

    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_tokenizer(info: RunInfo) -> PreTrainedTokenizerBase:
    """The run's tokenizer (saved beside the adapter), loaded as training loads it."""
    from engine.modeling import load_tokenizer as load_folder_tokenizer

    return load_folder_tokenizer(info.tokenizer_dir)


def load_base_4bit(base_dir: Path, device: str) -> PreTrainedModel:
    """The base model in NF4 with double quantisation, the same recipe training uses."""
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    dtype = compute_dtype(device)
    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=dtype,
    )
    model = AutoModelForCausalLM.from_pretrained(
        base_dir,
        quantization_config=quant,
        dtype=dtype,
        device_map={"": 0 if device == "cuda" else "cpu"},
        attn_implementation="sdpa",
    )
    # No process-wide torch.set_grad_enabled(False): decoding runs under inference_mode, and
    # a global switch would silently break training in the same process (tests, evaluation).
    return model.eval()


def load_base_16bit(
    base_dir: Path, device: str, dtype: torch.dtype | None = None
) -> PreTrainedModel:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        base_dir, dtype=dtype or compute_dtype(device), attn_implementation="sdpa"
    )
    return model.to(torch.device(device)).eval()  # type: ignore[arg-type]


def load_adapter_model(info: RunInfo, device: str) -> PeftModel:
    """4-bit base + adapter (a PeftModel)."""
    from peft import PeftModel

    base = load_base_4bit(info.base_model_dir, device)
    return PeftModel.from_pretrained(base, info.adapter_dir, is_trainable=False).eval()


def merged_dtype(device: str) -> torch.dtype:
    """The dtype of merged weights: on the CPU, bf16 where the processor computes it natively.

    Merged decoding on the CPU reads every weight once a token, so it is bound by memory:
    bf16 halves what is read (the demo, 2 cores with AVX512-BF16: 22 tokens/s against 15 in
    fp32). Processors without native bf16 emulate it slowly and keep fp32.
    """
    import torch

    if device == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return torch.bfloat16
    return compute_dtype(device)


def load_merged_model(info: RunInfo, device: str) -> MergedWeights:
    """16-bit base with the adapter merged into its weights (`.model`, a merged PeftModel)."""
    from peft import PeftModel

    base = load_base_16bit(info.base_model_dir, device, merged_dtype(device))
    model = PeftModel.from_pretrained(base, info.adapter_dir, is_trainable=False).eval()
    return MergedWeights(model, keep_base_copy=device == "cpu")


class MergedWeights:
    """Merges the adapter into a loaded PeftModel and serves its base variant.

    On the CPU the base's own weight tensors of every adapted layer are kept before the
    merge, and the base variant swaps them in by reference: un-merging would subtract the
    adapter again, which in bf16 does not give back the same numbers and would drift a
    little with every reply. The copy costs the adapted layers' memory once (a small model:
    merged chat is only used on the CPU up to 1B parameters). On a GPU, where memory is
    scarce, the base variant un-merges around the reply and merges back.
    """

    def __init__(self, model: PeftModel, keep_base_copy: bool) -> None:
        from peft.tuners.lora import LoraLayer

        self.model = model
        self.layers: list[Any] = [m for m in model.modules() if isinstance(m, LoraLayer)]
        self.base_weights = (
            [layer.get_base_layer().weight.data.clone() for layer in self.layers]
            if keep_base_copy
            else None
        )
        model.merge_adapter()
        self.merged_weights = [layer.get_base_layer().weight.data for layer in self.layers]

    @contextlib.contextmanager
    def base(self) -> Iterator[None]:
        """The base model's weights for the duration of the block."""
        if self.base_weights is None:
            # Un-merged LoRA layers add the adapter on the side, so it is disabled as well.
            self.model.unmerge_adapter()
            try:
                with self.model.disable_adapter():
                    yield
            finally:
                self.model.merge_adapter()
            return
        # peft still counts the layers as merged, so their forward is the base layer alone.
        for layer, weight in zip(self.layers, self.base_weights, strict=True):
            layer.get_base_layer().weight.data = weight
        try:
            yield
        finally:
            for layer, weight in zip(self.layers, self.merged_weights, strict=True):
                layer.get_base_layer().weight.data = weight


OTHER = "other"  # the adapter name of the second run (`engine chat --other RUN`)


def check_same_base(info: RunInfo, other: RunInfo) -> None:
    """Refuse two runs on different base models (before anything is loaded).

    An adapter only means something on the base it was trained on, so two runs are compared
    only when they share the same base model folder.
    """
    from engine.contract.errors import EngineError, ErrorKind

    if other.base_model_dir.resolve() != info.base_model_dir.resolve():
        raise EngineError(
            ErrorKind.BAD_CONFIG,
            f"These two runs were trained on different models ({info.base_model_name} and "
            f"{other.base_model_name}), so they cannot answer side by side. "
            "Choose a run trained on the same model.",
            detail=f"{info.base_model_dir} != {other.base_model_dir}",
        )


def add_other_adapter(model: PeftModel, info: RunInfo, other: RunInfo) -> None:
    """Load `other`'s adapter beside `info`'s as the named adapter "other"; keep `info`'s on."""
    check_same_base(info, other)
    active = model.active_adapter
    model.load_adapter(str(other.adapter_dir), adapter_name=OTHER, is_trainable=False)
    model.set_adapter(active)
