"""The training chat template, carried to Ollama as a Go template with the same text.

Ollama cannot run a Jinja chat template; its TEMPLATE is a Go template over `.Messages`.
Rather than translate Jinja, we render the training template (the tokenizer's) once with
marker strings as contents and read off the literal text around each role: the head, each
role's prefix and suffix, and the cue that starts the assistant's reply. The Go template
replays those pieces, so Ollama builds byte-for-byte the prompt training used, for
templates of the usual shape (ChatML, Llama 3, the demo's); `TemplateParts.render` replays
them in Python so tests can check that claim against the Jinja template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract.errors import EngineError, ErrorKind

_MARK = {"system": "\x01SYS\x01", "user": "\x01USR{}\x01", "assistant": "\x01AST{}\x01"}


def end_of_turn_ids(tokenizer: Any) -> set[int]:
    """Token ids that end a reply, as training taught them (engine.prompt_format)."""
    try:
        from engine.prompt_format import end_token_ids
    except ImportError:
        return {int(tokenizer.eos_token_id)} if tokenizer.eos_token_id is not None else set()
    return {int(i) for i in end_token_ids(tokenizer)}


def stop_strings(tokenizer: Any) -> list[str]:
    return sorted({tokenizer.convert_ids_to_tokens(i) for i in end_of_turn_ids(tokenizer)})


@dataclass(frozen=True)
class TemplateParts:
    head_with_system: str  # text before the system message's content
    head_without_system: str  # text before the first user message when there is no system
    system_suffix: str
    user_prefix: str
    user_suffix: str
    assistant_prefix: str
    assistant_suffix: str
    generation_cue: str

    def render(self, messages: list[dict[str, str]]) -> str:
        """The prompt the Go template produces, for a conversation ending with a user turn."""
        has_system = bool(messages) and messages[0]["role"] == "system"
        out = [self.head_with_system if has_system else self.head_without_system]
        for message in messages:
            role, content = message["role"], message["content"]
            if role == "system":
                out += [content, self.system_suffix]
            elif role == "user":
                out += [self.user_prefix, content, self.user_suffix]
            else:
                out += [self.assistant_prefix, content, self.assistant_suffix]
        out.append(self.generation_cue)
        return "".join(out)

    def go_template(self) -> str:
        def lit(text: str) -> str:
            return text.replace("{{", '{{ "{{" }}')

        return (
            '{{ if and .Messages (eq (index .Messages 0).Role "system") }}'
            f"{lit(self.head_with_system)}"
            f"{{{{ else }}}}{lit(self.head_without_system)}{{{{ end }}}}"
            "{{ range .Messages }}"
            f'{{{{ if eq .Role "system" }}}}{{{{ .Content }}}}{lit(self.system_suffix)}'
            f'{{{{ else if eq .Role "user" }}}}{lit(self.user_prefix)}{{{{ .Content }}}}'
            f"{lit(self.user_suffix)}"
            f'{{{{ else if eq .Role "assistant" }}}}{lit(self.assistant_prefix)}'
            f"{{{{ .Content }}}}{lit(self.assistant_suffix)}"
            "{{ end }}{{ end }}"
            f"{lit(self.generation_cue)}"
        )


def _split(text: str, marks: list[str]) -> list[str]:
    pieces = []
    for mark in marks:
        before, found, text = text.partition(mark)
        if not found:
            raise ValueError(f"marker {mark!r} missing")
        pieces.append(before)
    pieces.append(text)
    return pieces


def _common_suffix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return a[len(a) - n :]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def template_parts(tokenizer: Any) -> TemplateParts:
    """Read the pieces of the tokenizer's chat template, or raise UNSUPPORTED_MODEL."""
    from engine.prompt_format import render_chat

    sys_, u1, u2 = _MARK["system"], _MARK["user"].format(1), _MARK["user"].format(2)
    a1 = _MARK["assistant"].format(1)
    conversation = [
        {"role": "system", "content": sys_},
        {"role": "user", "content": u1},
        {"role": "assistant", "content": a1},
        {"role": "user", "content": u2},
    ]
    try:
        full = render_chat(tokenizer, conversation, add_generation_prompt=True)
        head, p1, p2, p3, p4 = _split(full, [sys_, u1, a1, u2])
        alone = render_chat(tokenizer, [{"role": "user", "content": u1}], True)
        no_system_head, _, alone_tail = alone.partition(u1)
    except Exception as exc:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This model's chat template could not be carried over to Ollama.",
            detail=str(exc),
        ) from exc
    # A user turn follows the start, a system turn or an assistant turn: the text those
    # three have in common before it is the user's prefix.
    user_prefix = _common_suffix(_common_suffix(p1, p3), no_system_head)
    user_suffix = _common_prefix(p2, p4)
    parts = TemplateParts(
        head_with_system=head,
        head_without_system=no_system_head[: len(no_system_head) - len(user_prefix)],
        system_suffix=p1[: len(p1) - len(user_prefix)],
        user_prefix=user_prefix,
        user_suffix=user_suffix,
        assistant_prefix=p2[len(user_suffix) :],
        assistant_suffix=p3[: len(p3) - len(user_prefix)],
        generation_cue=p4[len(user_suffix) :],
    )
    if parts.render([{"role": "user", "content": u1}]) != alone or alone_tail != p4:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This model's chat template could not be carried over to Ollama.",
            detail="the template's pieces do not reproduce a single-turn prompt",
        )
    return parts


def modelfile_text(gguf_name: str, tokenizer: Any, temperature: float = 0.7) -> str:
    """An Ollama Modelfile: the GGUF, the training chat template and its stop tokens."""
    parts = template_parts(tokenizer)
    template = parts.go_template().replace('"""', '" " "')
    lines = [
        "# Made by Quillora. Create the model with:  ollama create <name> -f Modelfile",
        f"FROM ./{gguf_name}",
        f'TEMPLATE """{template}"""',
    ]
    lines += [f'PARAMETER stop "{token}"' for token in stop_strings(tokenizer)]
    lines += [f"PARAMETER temperature {temperature}", "PARAMETER top_p 0.9", ""]
    return "\n".join(lines)
