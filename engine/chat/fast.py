"""Fast decoding on CUDA: a static KV cache and a compiled, CUDA-graphed one-token step.

Each decode step of a batch-1 chat is a few hundred small kernels; launching them one by one
from Python leaves the GPU idle most of the time. With a static cache the step has fixed
shapes, so `torch.compile(mode="reduce-overhead")` can capture it once as a CUDA graph and
replay it per token. Two details make that safe in our own loop (transformers' `generate`
stumbled on them, docs/performance.md): each step is marked as a new graph step, and
its logits are cloned before the next replay overwrites the graph's output buffer.

The prefill (variable length) runs eagerly on the same static cache. On the CPU the class
works uncompiled, which is how the tests check it against the eager loop.
"""

from __future__ import annotations

from typing import Any

from engine.chat.decoding import cache_keyword, inner_model


class StaticStepper:
    def __init__(self, model: Any, max_cache_len: int, compile_step: bool = True) -> None:
        import torch
        from transformers import StaticCache

        self.model = inner_model(model)
        self.device = next(model.parameters()).device
        self.max_cache_len = max_cache_len
        self.cache = StaticCache(config=model.config, max_cache_len=max_cache_len)
        self._position = 0
        self._keyword = cache_keyword(model)
        self._compiled = compile_step
        self._step_fn = (
            torch.compile(self._one_token, mode="reduce-overhead", fullgraph=True)
            if compile_step
            else self._one_token
        )

    def _one_token(self, token: Any, cache_position: Any) -> Any:
        out = self.model(
            input_ids=token,
            cache_position=cache_position,
            **{self._keyword: self.cache},
            use_cache=True,
        )
        return out.logits[:, -1, :]

    def fits(self, prompt_tokens: int, new_tokens: int) -> bool:
        return prompt_tokens + new_tokens <= self.max_cache_len

    def prefill(self, prompt_ids: list[int]) -> Any:
        import torch

        self.cache.reset()
        ids = torch.tensor([prompt_ids], device=self.device)
        positions = torch.arange(len(prompt_ids), device=self.device)
        out = self.model(
            input_ids=ids,
            cache_position=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self._keyword: self.cache},
        )
        self._position = len(prompt_ids)
        return out.logits[:, -1, :]

    def step(self, token_id: Any) -> Any:
        import torch

        position = torch.tensor([self._position], device=self.device)
        if self._compiled:
            torch.compiler.cudagraph_mark_step_begin()
        logits = self._step_fn(token_id.view(1, 1), position).clone()
        self._position += 1
        return logits
