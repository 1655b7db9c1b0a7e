"""The Ollama template rebuilt from a chat template produces the very same prompt text."""

from __future__ import annotations

from pathlib import Path

import pytest

CHATML = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3 = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + "
    "message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}"
)
CONVERSATIONS = [
    [{"role": "user", "content": "Write a tagline."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
    [
        {"role": "user", "content": "One"},
        {"role": "assistant", "content": "Two"},
        {"role": "user", "content": "Three"},
    ],
    [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "One"},
        {"role": "assistant", "content": "Two"},
        {"role": "user", "content": "Three"},
    ],
]


@pytest.mark.parametrize("template", [None, CHATML, LLAMA3], ids=["demo", "chatml", "llama3"])
def test_template_parts_reproduce_the_chat_template(tiny_base: Path, template: str | None):
    from transformers import AutoTokenizer

    from engine.export.chat_template import modelfile_text, template_parts
    from engine.prompt_format import render_chat

    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    if template:
        tokenizer.chat_template = template
    parts = template_parts(tokenizer)
    for conversation in CONVERSATIONS:
        assert parts.render(conversation) == render_chat(tokenizer, conversation, True)
    text = modelfile_text("model.gguf", tokenizer)
    assert text.count('TEMPLATE """') == 1 and "{{ range .Messages }}" in text
    assert "{{-" not in text  # trimming would eat the template's own newlines
