"""Token losses for packed micro-batches, and the held-out evaluation.

Losses are summed over trained tokens and divided by the number of trained tokens in the
whole optimizer step, so a step learns the same thing however its rows are split into
micro-batches (which out-of-memory recovery relies on).
"""

from __future__ import annotations

from typing import Any

from engine.prompt_format import IGNORE, EncodedExample
from engine.train.packing import Batch, Row, collate


def summed_loss(model: Any, batch: Batch) -> Any:
    """The sum of next-token cross-entropies over the batch's trained tokens (fp32 scalar).

    The decoder's hidden states go straight into a chunked (on CUDA with Liger: fused)
    lm_head + cross-entropy (engine.fast.loss), so the [rows, tokens, vocab] logits never
    exist in memory: gigabytes for a 128k vocabulary. On the demo model it gives the same
    sum as full logits and the same speed. No attention mask is passed: position ids that
    restart at 0 make transformers build the block-diagonal causal mask that keeps packed
    examples apart.
    """
    from engine.fast.loss import summed_loss_fused

    return summed_loss_fused(model, batch.input_ids, batch.position_ids, batch.labels, IGNORE)


def trained_tokens(rows: list[Row], examples: list[EncodedExample]) -> int:
    return sum(examples[i].trained_tokens for row in rows for i in row)


def evaluate(
    model: Any,
    rows: list[Row],
    examples: list[EncodedExample],
    micro_batch_size: int,
    pad_id: int,
    device: str,
) -> float:
    """Mean loss per trained token over the held-out rows (adapter dropout off)."""
    total, tokens = heldout_sums(model, rows, examples, micro_batch_size, pad_id, device)
    return total / max(tokens, 1)


def heldout_sums(
    model: Any,
    rows: list[Row],
    examples: list[EncodedExample],
    micro_batch_size: int,
    pad_id: int,
    device: str,
) -> tuple[float, int]:
    """The summed token loss and the trained-token count over `rows` (to add up over the
    processes of a run before dividing)."""
    import torch

    was_training = model.training
    model.eval()
    total: Any = 0.0  # summed on the device: one synchronisation at the end, not a batch
    tokens = 0
    try:
        with torch.no_grad():
            for start in range(0, len(rows), micro_batch_size):
                batch = collate(rows[start : start + micro_batch_size], examples, pad_id, device)
                total = total + summed_loss(model, batch)
                tokens += batch.trained_tokens
    finally:
        model.train(was_training)
    return float(total), tokens
