"""The token loop: prefill the prompt once, then one token at a time from the KV cache.

Our own loop rather than `model.generate` with a streamer thread, because chat needs three
things generate makes awkward: a stop that takes effect between two tokens, the first-token
time measured where it happens, and a seeded sampler that gives the base and the tuned model
the very same random draws. Two step functions share the loop: `EagerStepper` (a dynamic
cache; any device) and, on CUDA, `engine.chat.fast.StaticStepper` (a static cache and a
compiled one-token step).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.contract.chat_protocol import REPEAT_WINDOW, Sampling


@dataclass
class Reply:
    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0
    first_token_seconds: float = 0.0
    stopped: bool = False


class Stepper(Protocol):
    """Runs the model: `prefill` the prompt, then `step` one token; both return last logits."""

    def prefill(self, prompt_ids: list[int]) -> Any: ...

    def step(self, token_id: Any) -> Any: ...


def inner_model(model: Any) -> Any:
    """The transformers model inside a PeftModel (or the model itself).

    The LoRA layers live inside it and carry their own merged / disabled state, so calling
    it directly computes the same thing while skipping PeftModel.forward's per-call work,
    which costs a third of a small model's decoding speed (generate() skips it too).
    """
    from peft import PeftModel

    return model.get_base_model() if isinstance(model, PeftModel) else model


def cache_keyword(model: Any) -> str:
    """`cache` on newer transformers 5.x, `past_key_values` on the earlier ones."""
    import inspect

    params = inspect.signature(type(inner_model(model)).forward).parameters
    return "cache" if "cache" in params else "past_key_values"


class EagerStepper:
    """A plain forward pass per token with transformers' dynamic KV cache."""

    def __init__(self, model: Any) -> None:
        self.model = inner_model(model)
        self.device = next(model.parameters()).device
        self._cache: Any = None
        self._keyword = cache_keyword(model)

    def prefill(self, prompt_ids: list[int]) -> Any:
        import torch
        from transformers import DynamicCache

        self._cache = DynamicCache(config=self.model.config)
        ids = torch.tensor([prompt_ids], device=self.device)
        out = self.model(
            input_ids=ids, use_cache=True, logits_to_keep=1, **{self._keyword: self._cache}
        )
        return out.logits[:, -1, :]

    def step(self, token_id: Any) -> Any:
        out = self.model(
            input_ids=token_id.view(1, 1), use_cache=True, **{self._keyword: self._cache}
        )
        return out.logits[:, -1, :]


def sample_next(logits: Any, sampling: Sampling, generator: Any, recent: Sequence[int] = ()) -> Any:
    """Pick the next token: greedy at temperature 0, else temperature + nucleus (top-p).

    Tokens in `recent` (the reply's last REPEAT_WINDOW tokens) are penalised first, as
    llama.cpp and transformers do: a positive logit divided by the penalty, a negative one
    multiplied by it.
    """
    import torch

    logits = logits[0].float()
    if recent and sampling.repetition_penalty != 1.0:
        index = torch.tensor(sorted(set(recent)), device=logits.device)
        seen = logits[index]
        penalty = sampling.repetition_penalty
        logits = logits.clone()  # `.float()` of float logits is the caller's tensor itself
        logits[index] = torch.where(seen > 0, seen / penalty, seen * penalty)
    if sampling.temperature <= 0.0:
        return torch.argmax(logits)
    probs = torch.softmax(logits / sampling.temperature, dim=-1)
    if sampling.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        # Keep the smallest set whose mass reaches top_p (the first token always stays).
        outside = torch.cumsum(sorted_probs, dim=-1) - sorted_probs > sampling.top_p
        sorted_probs = sorted_probs.masked_fill(outside, 0.0)
        choice = torch.multinomial(sorted_probs, 1, generator=generator)
        return order[choice[0]]
    return torch.multinomial(probs, 1, generator=generator)[0]


class TextAssembler:
    """Turns a growing list of token ids into text pieces, holding back half characters.

    Decoding token by token would split multi-byte characters (an emoji over two tokens
    shows as U+FFFD); decoding the whole reply and sending only the new suffix does not.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.sent = ""  # the decoded text so far, as the tokenizer gives it
        self.shown = ""  # what the reader saw: the pieces joined

    def piece(self, ids: list[int], final: bool = False) -> str:
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            return ""
        if not text.startswith(self.sent):  # a tokenizer that rewrites earlier text
            return ""
        new, self.sent = text[len(self.sent) :], text
        # A replacement character that is no longer at the end marks bytes that never formed
        # a character (an undertrained model can sample lone UTF-8 bytes): show nothing.
        new = new.replace("\ufffd", "")
        self.shown += new
        return new


def generate(
    stepper: Stepper,
    tokenizer: Any,
    prompt_ids: list[int],
    sampling: Sampling,
    eos_ids: set[int],
    on_text: Callable[[str], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> Reply:
    """Generate a reply, calling `on_text` with each new piece; `should_stop` ends it early."""
    import torch

    started = time.perf_counter()
    reply = Reply()
    device = getattr(stepper, "device", torch.device("cpu"))
    generator = torch.Generator(device=device).manual_seed(sampling.seed)
    assembler = TextAssembler(tokenizer)
    with torch.inference_mode():
        logits = stepper.prefill(prompt_ids)
        while len(reply.token_ids) < sampling.max_new_tokens:
            if should_stop():
                reply.stopped = True
                break
            recent = reply.token_ids[-REPEAT_WINDOW:]
            token = sample_next(logits, sampling, generator, recent)
            token_id = int(token)
            if not reply.token_ids:
                reply.first_token_seconds = time.perf_counter() - started
            if token_id in eos_ids:
                break
            reply.token_ids.append(token_id)
            piece = assembler.piece(reply.token_ids)
            if piece:
                on_text(piece)
            if len(reply.token_ids) >= sampling.max_new_tokens:
                break
            logits = stepper.step(token.view(1))
    tail = assembler.piece(reply.token_ids, final=True)
    if tail:
        on_text(tail)
    reply.text = assembler.shown
    reply.seconds = time.perf_counter() - started
    return reply


def eos_token_ids(model: Any, tokenizer: Any) -> set[int]:
    """Every id that ends a reply: the tokenizer's eos and the generation config's list."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif isinstance(configured, (list, tuple)):
        ids.update(int(i) for i in configured)
    return ids
