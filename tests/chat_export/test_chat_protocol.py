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
    )
    assert parse_request(to_line(request)) == request
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
    ],
)
def test_bad_requests(line: str) -> None:
    with pytest.raises(ChatProtocolError):
        parse_request(line)


def test_other_variant_round_trips() -> None:
    request = GenerateRequest(id="o", messages=(Message("user", "hi"),), variant="other")
    assert parse_request(to_line(request)).variant == "other"  # type: ignore[union-attr]
