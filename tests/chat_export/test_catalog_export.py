"""Every catalog model is either written by the GGUF converter or says on its card why not."""

from __future__ import annotations

import pytest

from engine.contract.catalog import load_catalog
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.gguf_types import GGUF_FAMILIES
from engine.export.gguf_arch import arch_spec

HF_CLASSES = {
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "phi3": "Phi3ForCausalLM",
    "gemma2": "Gemma2ForCausalLM",
}


@pytest.mark.parametrize("entry", load_catalog(), ids=lambda e: e.hub_id)
def test_catalog_model_is_exportable_or_says_why_not(entry) -> None:
    shape = entry.shape
    config = {
        "architectures": [HF_CLASSES[entry.family]],
        "num_attention_heads": shape.heads,
        "num_key_value_heads": shape.kv_heads,
        "hidden_size": shape.hidden,
        "intermediate_size": shape.intermediate,
        "num_hidden_layers": shape.layers,
        "vocab_size": shape.vocab,
        "max_position_embeddings": entry.context_length,
        "tie_word_embeddings": shape.tied_embeddings,
    }
    if entry.family in GGUF_FAMILIES:
        assert arch_spec(config).block_count == shape.layers
        assert entry.gguf_note == ""
    else:
        with pytest.raises(EngineError) as refused:
            arch_spec(config)
        assert refused.value.kind is ErrorKind.UNSUPPORTED_MODEL
        assert "Cannot be shared to Ollama or LM Studio yet" in entry.gguf_note
