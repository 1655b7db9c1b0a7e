"""The causal-LM training loss without full logits: decoder, then fused/chunked lm_head + CE.

Drop-in alternative to engine/train/losses.summed_loss: same inputs (packed ids, position ids
that restart per example, labels with IGNORE), same result (sum over trained tokens), but the
[B, T, V] logits never exist. Works on a PEFT-wrapped or plain *ForCausalLM whose decoder is
`.model` and whose output embedding is the lm_head (Llama, Qwen2, Mistral, Phi-3, Gemma 2).
"""

from __future__ import annotations

from typing import Any

import torch

from engine.fast.cross_entropy import IGNORE_INDEX, linear_cross_entropy


def _causal_lm(model: Any) -> Any:
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


def summed_loss_fused(
    model: Any,
    input_ids: torch.Tensor,
    position_ids: torch.Tensor,
    labels: torch.Tensor,
    ignore_index: int = IGNORE_INDEX,
) -> torch.Tensor:
    """Sum of next-token cross-entropies over trained tokens (fp32 scalar)."""
    causal_lm = _causal_lm(model)
    outputs = causal_lm.model(input_ids=input_ids, position_ids=position_ids, use_cache=False)
    hidden = outputs.last_hidden_state[:, :-1, :]
    targets = labels[:, 1:]
    weight = causal_lm.get_output_embeddings().weight
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    return linear_cross_entropy(
        hidden.reshape(-1, hidden.shape[-1]),
        weight,
        targets.reshape(-1),
        ignore_index=ignore_index,
        softcap=softcap,
    )
