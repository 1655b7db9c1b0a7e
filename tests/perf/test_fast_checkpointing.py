"""Selective checkpointing: same gradients, less saved activation memory, on the CPU."""

from __future__ import annotations

import pytest
import torch

from engine.fast.checkpointing import checkpoint_layers, decoder_layers


def _model():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    model = LlamaForCausalLM(config).double()
    model.train()
    return model


def _grads_and_saved_bytes(model, ids):
    storages: dict[int, int] = {}
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.zero_grad()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = model(input_ids=ids, labels=ids, use_cache=False).loss
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    return grads, sum(storages.values())


def test_checkpointing_some_layers_keeps_gradients_and_saves_memory() -> None:
    model = _model()
    ids = torch.randint(0, 128, (2, 64))
    saved = {}
    grads = {}
    for count in (0, 2, 4):
        chosen = checkpoint_layers(model, count)
        assert chosen == list(range(count))
        flags = [layer.gradient_checkpointing for layer in decoder_layers(model)]
        assert flags == [index < count for index in range(4)]
        grads[count], saved[count] = _grads_and_saved_bytes(model, ids)
    assert saved[0] > saved[2] > saved[4]
    for count in (2, 4):
        for got, expected in zip(grads[count], grads[0], strict=True):
            torch.testing.assert_close(got, expected)


def test_more_layers_than_the_model_has_means_all() -> None:
    model = _model()
    assert checkpoint_layers(model, 99) == [0, 1, 2, 3]
    assert all(layer.gradient_checkpointing for layer in decoder_layers(model))
    assert checkpoint_layers(model, 0) == []
    assert not any(layer.gradient_checkpointing for layer in decoder_layers(model))


@pytest.mark.parametrize("count", [1, 3])
def test_layers_kept_are_the_last_ones(count: int) -> None:
    model = _model()
    checkpoint_layers(model, count)
    flags = [layer.gradient_checkpointing for layer in decoder_layers(model)]
    assert flags == [True] * count + [False] * (4 - count)
