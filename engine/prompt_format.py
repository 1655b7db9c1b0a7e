"""Turn an Example into token ids and labels, with loss only on what the model should write.

- A prompt example is rendered with the tokenizer's chat template (system, user, assistant);
  every token up to the assistant's reply gets label -100, the reply and the end-of-turn
  token that closes it carry the loss, and whatever the template adds after that is dropped.
- A conversation (an example with `history`) is rendered whole; every earlier assistant turn
  carries the loss too, at exactly the tokens the template gives it, so each reply is learnt
  with the whole conversation before it. A turn whose boundaries the template does not keep
  stable (one that rewrites past turns) is left without loss rather than guessed.
- A prose example is plain text followed by eos, with loss on every token.
- A tokenizer without a chat template gets a plain "### Instruction / ### Response" layout.

The first token of every example never carries loss: nothing inside the example predicts
it, and inside a packed row the token before it belongs to another example.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from engine.data.examples import Example

IGNORE = -100

FALLBACK_SYSTEM = "{system}\n\n"
FALLBACK_USER = "### Instruction:\n{prompt}\n\n### Response:\n"


@dataclass(frozen=True)
class EncodedExample:
    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)

    @cached_property
    def trained_tokens(self) -> int:
        """Tokens with a loss; counted once (the loop asks for it every step)."""
        return sum(1 for label in self.labels if label != IGNORE)


def end_token_ids(tokenizer: Any) -> set[int]:
    """Token ids that end an assistant turn: eos plus the generation config's extra eos ids."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    for token in ("<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>"):
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id and token_id >= 0:
            ids.add(token_id)
    return ids


def messages_for(example: Example) -> list[dict[str, str]]:
    messages = []
    if example.system:
        messages.append({"role": "system", "content": example.system})
    messages += [{"role": role, "content": text} for role, text in example.history]
    messages.append({"role": "user", "content": example.prompt or ""})
    return messages


def render_chat(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    """The chat template's text; templates without a system role get it folded into the user."""
    from jinja2 import TemplateError

    try:
        return tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt
        )
    except TemplateError:
        if messages[0]["role"] != "system":
            raise
        system, rest = messages[0]["content"], messages[1:]
        merged = [{**rest[0], "content": f"{system}\n\n{rest[0]['content']}"}, *rest[1:]]
        return tokenizer.apply_chat_template(
            merged, tokenize=False, add_generation_prompt=add_generation_prompt
        )


def chat_prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """Token ids of a conversation ending with the cue for the assistant to answer."""
    if tokenizer.chat_template:
        text = render_chat(tokenizer, messages, add_generation_prompt=True)
        return tokenizer(text, add_special_tokens=False)["input_ids"]
    return _fallback_prompt_ids(tokenizer, messages)


def _fallback_prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    text = FALLBACK_SYSTEM.format(system=system) if system else ""
    for message in messages:
        if message["role"] == "user":
            text += FALLBACK_USER.format(prompt=message["content"])
        elif message["role"] == "assistant":
            text += message["content"] + (tokenizer.eos_token or "") + "\n\n"
    return tokenizer(text, add_special_tokens=True)["input_ids"]


def encode_example(tokenizer: Any, example: Example, max_tokens: int) -> EncodedExample:
    """Input ids and labels for one example, cut to at most `max_tokens` tokens."""
    if example.is_prose:
        ids = tokenizer(example.response, add_special_tokens=True)["input_ids"]
        ids = [*ids[: max_tokens - 1], tokenizer.eos_token_id]
        labels = list(ids)
    else:
        prompt_ids, reply_ids = _prompt_and_reply_ids(tokenizer, example)
        full_labels = [IGNORE] * len(prompt_ids) + reply_ids
        if example.history:
            _label_earlier_replies(tokenizer, messages_for(example), prompt_ids, full_labels)
        ids = (prompt_ids + reply_ids)[:max_tokens]
        labels = full_labels[:max_tokens]
    labels[0] = IGNORE
    return EncodedExample(input_ids=ids, labels=labels)


def _prompt_and_reply_ids(tokenizer: Any, example: Example) -> tuple[list[int], list[int]]:
    messages = messages_for(example)
    if not tokenizer.chat_template:
        prompt_ids = _fallback_prompt_ids(tokenizer, messages)
        reply = tokenizer(example.response, add_special_tokens=False)["input_ids"]
        return prompt_ids, [*reply, tokenizer.eos_token_id]
    prompt_text = render_chat(tokenizer, messages, add_generation_prompt=True)
    full_text = render_chat(
        tokenizer,
        [*messages, {"role": "assistant", "content": example.response}],
        add_generation_prompt=False,
    )
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(full_text, add_special_tokens=False)["input_ids"]
    if not full_text.startswith(prompt_text) or full_ids[: len(prompt_ids)] != prompt_ids:
        # A template that renders the prompt differently once a reply follows (rare): encode
        # the reply on its own so the boundary is still exact.
        reply = tokenizer(example.response, add_special_tokens=False)["input_ids"]
        return prompt_ids, [*reply, tokenizer.eos_token_id]
    reply_ids = full_ids[len(prompt_ids) :]
    ends = end_token_ids(tokenizer)
    for index, token in enumerate(reply_ids):
        if token in ends:
            return prompt_ids, reply_ids[: index + 1]
    return prompt_ids, [*reply_ids, tokenizer.eos_token_id]


def _label_earlier_replies(
    tokenizer: Any, messages: list[dict[str, str]], prompt_ids: list[int], labels: list[int]
) -> None:
    """Give each assistant turn inside `prompt_ids` its loss, in place in `labels`.

    A turn's tokens are those the conversation up to and including it adds to the
    conversation up to the cue before it; both must be exact prefixes of the whole.
    """
    ends = end_token_ids(tokenizer)
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = chat_prompt_ids(tokenizer, messages[:index])
        if tokenizer.chat_template:
            text = render_chat(tokenizer, messages[: index + 1], add_generation_prompt=False)
            through = tokenizer(text, add_special_tokens=False)["input_ids"]
        else:
            through = _fallback_prompt_ids(tokenizer, messages[: index + 1])
        if through[: len(before)] != before or prompt_ids[: len(through)] != through:
            continue
        span = through[len(before) :]
        for offset, token in enumerate(span):
            if token in ends:
                span = span[: offset + 1]
                break
        labels[len(before) : len(before) + len(span)] = span
