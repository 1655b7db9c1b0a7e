"""A loaded chat model that answers `GenerateRequest`s for the tuned, base or other variant.

The base variant is the same weights without the adapter: peft's `disable_adapter()` for the
4-bit model, the base's own weight tensors for merged weights (`MergedWeights`). Both
variants draw from a generator seeded with the request's seed, so a side-by-side comparison
differs only by what the adapter learnt. The other variant is a second run's adapter loaded
beside the first on the same base (`other=`), made active for its request only (peft's
`set_adapter`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from engine.chat.decoding import EagerStepper, Reply, Sampling, eos_token_ids, generate
from engine.chat.loading import (
    OTHER,
    MergedWeights,
    add_other_adapter,
    check_same_base,
    load_adapter_model,
    load_merged_model,
    load_tokenizer,
    pick_device,
)
from engine.chat.run_info import RunInfo
from engine.contract.chat_protocol import GenerateRequest
from engine.contract.errors import EngineError, ErrorKind


def prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """The prompt exactly as training formatted conversations, ending with the reply's start.

    Uses engine.prompt_format (the trainer's formatter) when it is there, so chat and
    training can never disagree; otherwise the tokenizer's chat template.
    """
    try:
        from engine.prompt_format import chat_prompt_ids
    except ImportError:
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])
    return list(chat_prompt_ids(tokenizer, messages))


class ChatSession:
    def __init__(
        self,
        info: RunInfo,
        merged: bool = False,
        device: str | None = None,
        other: RunInfo | None = None,
    ) -> None:
        started = time.perf_counter()
        self.info = info
        # Two adapters are never merged: merged weights hold one adapter, and swapping by
        # un-merging and merging the other would rewrite every weight on each reply. With
        # `other` both stay on the side of the 4-bit base and `set_adapter` picks one.
        self.merged = merged and other is None
        if other is not None:
            check_same_base(info, other)
        self.device = device or pick_device()
        self.tokenizer = load_tokenizer(info)
        self.merged_weights: MergedWeights | None = None
        if self.merged:
            self.merged_weights = load_merged_model(info, self.device)
            self.model = self.merged_weights.model
        else:
            self.model = load_adapter_model(info, self.device)
        self.other = other
        if other is not None:
            add_other_adapter(self.model, info, other)
        self.own_adapter = str(self.model.active_adapter)
        self.eos_ids = eos_token_ids(self.model, self.tokenizer)
        self.eager = EagerStepper(self.model)
        self.fast: Any = None
        if self.merged and self.device == "cuda":
            from engine.chat.fast import StaticStepper

            max_len = int(getattr(self.model.config, "max_position_embeddings", 4096) or 4096)
            self.fast = self._warm_up(
                StaticStepper(self.model.get_base_model(), min(max_len, 4096))
            )
        self.load_seconds = time.perf_counter() - started

    def _warm_up(self, stepper: Any) -> Any:
        """Compile and capture the fast step now (not in the first reply); None if it fails."""
        import logging

        try:
            for _ in range(2):
                generate(
                    stepper,
                    self.tokenizer,
                    [0, 1, 2, 3],
                    Sampling(0.0, 1.0, 4),
                    set(),
                    lambda _: None,
                )
        except Exception:  # any compiler failure: chat still works, eagerly
            logging.getLogger(__name__).warning("fast decoding unavailable", exc_info=True)
            return None
        return stepper

    @contextlib.contextmanager
    def _variant(self, variant: str) -> Iterator[None]:
        if variant == "tuned":
            yield
        elif variant == "other":
            if self.other is None:
                raise EngineError(ErrorKind.BAD_CONFIG, "No second run was opened to compare with.")
            self.model.set_adapter(OTHER)
            try:
                yield
            finally:
                self.model.set_adapter(self.own_adapter)
        elif self.merged_weights is not None:
            with self.merged_weights.base():
                yield
        else:
            with self.model.disable_adapter():
                yield

    def reply(
        self,
        request: GenerateRequest,
        on_text: Callable[[str], None],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Reply:
        ids = prompt_ids(self.tokenizer, request.chat_messages())
        sampling = request.sampling
        stepper = self.eager
        # The compiled step is captured for the merged (tuned) weights; the base variant
        # changes the LoRA layers' state, so it runs eagerly rather than recompiling.
        if (
            self.fast is not None
            and request.variant == "tuned"
            and self.fast.fits(len(ids), sampling.max_new_tokens)
        ):
            stepper = self.fast
        with self._variant(request.variant):
            return generate(
                stepper, self.tokenizer, ids, sampling, self.eos_ids, on_text, should_stop
            )
