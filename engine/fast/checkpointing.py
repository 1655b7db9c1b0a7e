"""Selective activation recomputation: gradient checkpointing on only some decoder layers.

Checkpointing every layer saves the most memory but recomputes a whole forward pass (about
1.4x slower than none, docs/performance.md, variants B against C). The memory plan
(`estimates.least_recompute`, `presets.derive(...).checkpointed_layers`) says how few layers
must recompute to fit the card; this applies it. transformers (5.x) decoder layers are
`GradientCheckpointingLayer`s that each honour their own `gradient_checkpointing` flag, so
after the model-wide switch we turn the flag off again on the layers that keep their
activations. No patching of transformers code.
"""

from __future__ import annotations

from typing import Any


def decoder_layers(model: Any) -> list[Any]:
    """The model's checkpointable decoder layers, in order (works through a PEFT wrapper)."""
    from transformers.modeling_layers import GradientCheckpointingLayer

    return [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer)]


def checkpoint_layers(model: Any, count: int) -> list[int]:
    """Recompute the first `count` decoder layers in backward, keep the others' activations.

    `count` <= 0 turns checkpointing off; `count` >= the number of layers checkpoints all.
    Returns the indices of the checkpointed layers.
    """
    layers = decoder_layers(model)
    if count <= 0:
        model.gradient_checkpointing_disable()
        return []
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.enable_input_require_grads()
    for index, layer in enumerate(layers):
        layer.gradient_checkpointing = index < count
    return list(range(min(count, len(layers))))
