"""Linear + cross-entropy without materialising the logits of every token at once.

For a row of T tokens and a vocabulary of V, full logits cost T x V x 4 bytes several times
over (the logits, their log-softmax, and two gradients): about 16 GiB for 4 rows of 2,048
tokens with Llama 3's 128k vocabulary. Here the hidden states go through the lm_head one chunk
of tokens at a time; the chunk's loss and its gradients (with respect to the hidden states
and, when it trains, the lm_head weight) are computed in the forward pass, so only one chunk
of logits ever exists. The backward pass just scales the stored gradients. This is the
approach of Liger's fused linear cross-entropy, in plain PyTorch so it runs on the CPU too.

The loss is a sum over trained tokens (labels != ignore_index), as engine/train/losses.py
expects. Optional logit soft-capping (Gemma 2: cap x tanh(logits / cap)) is supported.
"""

from __future__ import annotations

from typing import Any

import torch

DEFAULT_CHUNK_TOKENS = 1024
IGNORE_INDEX = -100


class _ChunkedLinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        hidden: torch.Tensor,
        weight: torch.Tensor,
        labels: torch.Tensor,
        chunk_tokens: int,
        ignore_index: int,
        softcap: float | None,
        grad_hidden_needed: bool,
        grad_weight_needed: bool,
    ) -> torch.Tensor:
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        grad_hidden = torch.zeros_like(hidden) if grad_hidden_needed else None
        grad_weight = (
            torch.zeros(weight.shape, dtype=torch.float32, device=weight.device)
            if grad_weight_needed
            else None
        )
        trained = labels != ignore_index
        starts = range(0, hidden.shape[0], chunk_tokens)
        # Which chunks have a trained token, read back in one synchronisation, not one a chunk.
        flags = [trained[s : s + chunk_tokens].any() for s in starts]
        has_trained = torch.stack(flags).tolist() if flags else []
        for start, wanted in zip(starts, has_trained, strict=True):
            if not wanted:
                continue
            stop = start + chunk_tokens
            labels_chunk = labels[start:stop]
            valid = trained[start:stop]
            hidden_chunk = hidden[start:stop]
            logits = (hidden_chunk @ weight.t()).float()
            capped = None
            if softcap:
                capped = torch.tanh(logits / softcap)
                logits = capped * softcap
            targets = torch.where(valid, labels_chunk, torch.zeros_like(labels_chunk))
            log_norm = torch.logsumexp(logits, dim=-1)
            target_logits = logits.gather(1, targets[:, None]).squeeze(1)
            total += ((log_norm - target_logits) * valid).sum()
            if grad_hidden is None and grad_weight is None:
                continue
            # d(loss)/d(logits) = softmax - one_hot, zero on ignored tokens; reuse the buffer.
            grad_logits = logits.sub_(log_norm[:, None]).exp_()
            grad_logits[torch.arange(len(targets), device=targets.device), targets] -= 1.0
            grad_logits.mul_(valid[:, None])
            if capped is not None:
                grad_logits.mul_(1.0 - capped * capped)
            if grad_hidden is not None:
                grad_hidden[start:stop] = (grad_logits.to(weight.dtype) @ weight).to(hidden.dtype)
            if grad_weight is not None:
                grad_weight += grad_logits.t() @ hidden_chunk.float()
        ctx.save_for_backward(grad_hidden, grad_weight)
        ctx.weight_dtype = weight.dtype
        return total

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        grad_hidden, grad_weight = ctx.saved_tensors
        if grad_hidden is not None:
            grad_hidden = grad_hidden * grad_output.to(grad_hidden.dtype)
        if grad_weight is not None:
            grad_weight = (grad_weight * grad_output).to(ctx.weight_dtype)
        return grad_hidden, grad_weight, None, None, None, None, None, None


def chunked_linear_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    labels: torch.Tensor,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    ignore_index: int = IGNORE_INDEX,
    softcap: float | None = None,
) -> torch.Tensor:
    """Sum over trained tokens of cross_entropy(hidden @ weight.T, labels), chunk by chunk.

    `hidden` is [N, H], `weight` [V, H] (the lm_head), `labels` [N]. Returns an fp32 scalar.
    """
    hidden = hidden.reshape(-1, hidden.shape[-1])
    labels = labels.reshape(-1)
    grad_enabled = torch.is_grad_enabled()
    return _ChunkedLinearCrossEntropy.apply(
        hidden,
        weight,
        labels,
        max(1, int(chunk_tokens)),
        ignore_index,
        softcap,
        grad_enabled and hidden.requires_grad,
        grad_enabled and weight.requires_grad,
    )


def liger_available(device: torch.device | str) -> bool:
    """Liger's Triton kernels: only on CUDA, and only when the package imports."""
    if torch.device(device).type != "cuda" or not torch.cuda.is_available():
        return False
    try:
        import liger_kernel.transformers  # type: ignore[import-not-found]  # noqa: F401
    except Exception:  # ImportError, or Triton failing to initialise on this machine
        return False
    return True


def linear_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    labels: torch.Tensor,
    ignore_index: int = IGNORE_INDEX,
    softcap: float | None = None,
) -> torch.Tensor:
    """The summed loss by Liger's fused kernel on CUDA when available, else chunked."""
    if liger_available(hidden.device):
        from liger_kernel.transformers import (  # type: ignore[import-not-found]
            LigerFusedLinearCrossEntropyLoss,
        )

        loss_fn = LigerFusedLinearCrossEntropyLoss(
            ignore_index=ignore_index, reduction="sum", softcap=softcap
        )
        flat = hidden.reshape(-1, hidden.shape[-1])
        return loss_fn(weight, flat, labels.reshape(-1)).float()
    return chunked_linear_cross_entropy(
        hidden, weight, labels, ignore_index=ignore_index, softcap=softcap
    )
