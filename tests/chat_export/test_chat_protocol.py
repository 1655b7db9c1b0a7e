"""The chat request protocol round-trips and refuses bad requests with a reason."""

from __future__ import annotations

import pytest

from engine.contract.chat_protocol import (
    ChatProtocolError,
    GenerateRequest,
    Message,
    QuitRequest,
    StopRequest,
    parse_request,
    to_line,
)


def test_round_trip() -> None:
    request = GenerateRequest(
        id="r1",
        messages=(Message("user", "Write a tagline"),),
        system="Be brief.",
        temperature=0.5,
        top_p=0.8,
        max_new_tokens=32,
        seed=3,
        variant="base",
        repetition_penalty=1.3,
    )
    assert parse_request(to_line(request)) == request
    assert request.sampling.repetition_penalty == 1.3
    assert parse_request(to_line(StopRequest(id="r1"))) == StopRequest(id="r1")
    assert isinstance(parse_request('{"type": "quit"}'), QuitRequest)
    assert request.chat_messages()[0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"type": "dance"}',
        '{"type": "generate", "id": "x", "messages": []}',
        '{"type": "generate", "id": "x", "messages": [{"role": "robot", "content": "hi"}]}',
        '{"type": "generate", "id": "x", "messages": [{"role": "user", "content": "hi"}],'
        ' "variant": "neither"}',
        '{"type": "generate", "id": "x", "messages": [{"role": "user", "content": "hi"}],'
        ' "top_p": 0}',
        '{"type": "generate", "id": "x", "messages": [{"role": "user", "content": "hi"}],'
        ' "repetition_penalty": 0.5}',
    ],
)
def test_bad_requests(line: str) -> None:
    with pytest.raises(ChatProtocolError):
        parse_request(line)


def test_other_variant_round_trips() -> None:
    request = GenerateRequest(id="o", messages=(Message("user", "hi"),), variant="other")
    assert parse_request(to_line(request)).variant == "other"  # type: ignore[union-attr]


def test_recent_tokens_are_penalised_as_llama_cpp_does() -> None:
    """The penalty divides a recent token's positive logit and multiplies a negative one; a
    fresh request penalises by 1.1 (llama.cpp's and Ollama's default); 1.0 changes nothing."""
    import torch

    from engine.chat.decoding import sample_next
    from engine.contract.chat_protocol import Sampling

    logits = torch.tensor([[2.0, 1.9, -1.0, 0.5]])
    greedy = Sampling(temperature=0.0)
    assert greedy.repetition_penalty == 1.1
    assert int(sample_next(logits, greedy, None)) == 0
    assert int(sample_next(logits, greedy, None, recent=[0, 0, 3])) == 1  # 2.0/1.1 < 1.9
    off = Sampling(temperature=0.0, repetition_penalty=1.0)
    assert int(sample_next(logits, off, None, recent=[0])) == 0
    strong = Sampling(temperature=0.0, repetition_penalty=2.0)
    negative = torch.tensor([[-1.0, -1.5, -3.0]])
    assert int(sample_next(negative, strong, None, recent=[0])) == 1  # -1.0 x 2 = -2.0
    assert torch.equal(logits, torch.tensor([[2.0, 1.9, -1.0, 0.5]]))  # the caller's, as given
