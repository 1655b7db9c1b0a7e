"""Held-out loss and perplexity: how surprised a model is by writing it never trained on.

The loss is the mean cross-entropy, in nats, over every token that carries a label (labels
of -100 are skipped, so a prompt example is scored on its reply only, exactly as in
training). Perplexity is exp(loss): "the model hesitates between about this many tokens at
each step". A tuned model that learned the user's style has a lower held-out perplexity
than its base. torch is imported inside the functions so this module is cheap to import.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IGNORE = -100


@dataclass(frozen=True)
class HeldoutLoss:
    """Mean loss per labelled token, its perplexity, and how many tokens were scored."""

    loss: float
    perplexity: float
    tokens: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "loss": round(self.loss, 6),
            "perplexity": round(self.perplexity, 4),
            "tokens": self.tokens,
        }


def batches_from_sequences(
    sequences: Sequence[tuple[Sequence[int], Sequence[int]]], batch_size: int, pad_id: int
) -> list[dict[str, Any]]:
    """Pad (input_ids, labels) pairs into batches of tensors, longest first to pad little."""
    import torch

    order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i][0]))
    batches = []
    for first in range(0, len(order), batch_size):
        chunk = [sequences[i] for i in order[first : first + batch_size]]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        labels = torch.full((len(chunk), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, (seq, lab) in enumerate(chunk):
            ids[row, : len(seq)] = torch.tensor(list(seq), dtype=torch.long)
            labels[row, : len(lab)] = torch.tensor(list(lab), dtype=torch.long)
            mask[row, : len(seq)] = 1
        batches.append({"input_ids": ids, "labels": labels, "attention_mask": mask})
    return batches


def heldout_loss(model: Any, batches: Iterable[Mapping[str, Any] | Any]) -> HeldoutLoss:
    """Score `model` on `batches`: tensors of token ids [batch, time], or dicts holding
    input_ids plus optional labels (default: the ids themselves) and attention_mask.

    Runs without gradients in eval mode and puts the model back in the mode it was in.
    """
    import torch
    import torch.nn.functional as F

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            for batch in batches:
                if not isinstance(batch, Mapping):
                    batch = {"input_ids": batch}
                ids = batch["input_ids"].to(device)
                labels = batch.get("labels")
                labels = ids.clone() if labels is None else labels.to(device)
                mask = batch.get("attention_mask")
                if mask is not None:
                    mask = mask.to(device)
                    labels = labels.masked_fill(mask == 0, IGNORE)
                logits = model(input_ids=ids, attention_mask=mask).logits
                shifted = logits[:, :-1, :].float()
                targets = labels[:, 1:]
                total += F.cross_entropy(
                    shifted.reshape(-1, shifted.size(-1)),
                    targets.reshape(-1),
                    ignore_index=IGNORE,
                    reduction="sum",
                ).item()
                count += int((targets != IGNORE).sum().item())
    finally:
        model.train(was_training)
    if count == 0:
        return HeldoutLoss(loss=float("nan"), perplexity=float("nan"), tokens=0)
    loss = total / count
    return HeldoutLoss(loss=loss, perplexity=math.exp(min(loss, 700.0)), tokens=count)
