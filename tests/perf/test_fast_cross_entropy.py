"""The chunked linear cross-entropy matches F.cross_entropy in value and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.fast.cross_entropy import chunked_linear_cross_entropy, liger_available


def _reference(hidden, weight, labels, softcap=None):
    logits = (hidden @ weight.t()).float()
    if softcap:
        logits = softcap * torch.tanh(logits / softcap)
    return F.cross_entropy(logits, labels, ignore_index=-100, reduction="sum")


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
@pytest.mark.parametrize("softcap", [None, 5.0])
def test_values_and_gradients_match(chunk: int, softcap: float | None) -> None:
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(50, 16, generator=generator, dtype=torch.float64)
    weight = torch.randn(97, 16, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 97, (50,), generator=generator)
    labels[::5] = -100

    h1, w1 = hidden.clone().requires_grad_(), weight.clone().requires_grad_()
    expected = _reference(h1, w1, labels, softcap)
    expected.backward()

    h2, w2 = hidden.clone().requires_grad_(), weight.clone().requires_grad_()
    got = chunked_linear_cross_entropy(h2, w2, labels, chunk_tokens=chunk, softcap=softcap)
    (got * 1.0).backward()

    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    torch.testing.assert_close(h2.grad, h1.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(w2.grad, w1.grad, rtol=1e-5, atol=1e-6)


def test_frozen_lm_head_gets_no_gradient_and_upstream_scale_applies() -> None:
    hidden = torch.randn(12, 8, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(30, 8, dtype=torch.float64)
    labels = torch.randint(0, 30, (12,))
    (3.0 * chunked_linear_cross_entropy(hidden, weight, labels, chunk_tokens=5)).backward()
    reference = hidden.detach().clone().requires_grad_()
    (3.0 * _reference(reference, weight, labels)).backward()
    torch.testing.assert_close(hidden.grad, reference.grad, rtol=1e-4, atol=1e-5)
    assert weight.grad is None


def test_bf16_inputs_stay_close() -> None:
    torch.manual_seed(1)
    hidden = torch.randn(40, 32).bfloat16().requires_grad_()
    weight = torch.randn(200, 32).bfloat16()
    labels = torch.randint(0, 200, (40,))
    got = chunked_linear_cross_entropy(hidden, weight, labels, chunk_tokens=16)
    got.backward()
    assert hidden.grad is not None and hidden.grad.dtype == torch.bfloat16
    assert got.item() == pytest.approx(_reference(hidden, weight, labels).item(), rel=1e-3)


def test_all_ignored_gives_zero_and_no_grad_mode_works() -> None:
    hidden = torch.randn(6, 4, requires_grad=True)
    weight = torch.randn(10, 4)
    labels = torch.full((6,), -100)
    assert chunked_linear_cross_entropy(hidden, weight, labels).item() == 0.0
    with torch.no_grad():
        value = chunked_linear_cross_entropy(hidden, weight, torch.zeros(6, dtype=torch.long))
    assert value.item() > 0


def test_liger_is_never_used_on_the_cpu() -> None:
    assert not liger_available("cpu")


def test_fused_causal_lm_loss_matches_full_logits_on_a_tiny_llama() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    from engine.fast.loss import summed_loss_fused

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=300,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config).double()
    ids = torch.randint(0, 300, (2, 24))
    positions = torch.cat([torch.arange(10), torch.arange(14)]).repeat(2, 1)
    labels = ids.clone()
    labels[:, :3] = -100

    fused = summed_loss_fused(model, ids, positions, labels)
    fused.backward()
    fused_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()

    logits = model(input_ids=ids, position_ids=positions, use_cache=False).logits
    full = F.cross_entropy(
        logits[:, :-1].reshape(-1, 300).float(), labels[:, 1:].reshape(-1), reduction="sum"
    )
    full.backward()
    assert fused.item() == pytest.approx(full.item(), rel=1e-5)
    for got, parameter in zip(fused_grads, model.parameters(), strict=True):
        torch.testing.assert_close(got, parameter.grad, rtol=1e-4, atol=1e-5)
