"""Chat on the CPU with the demo model and a non-zero LoRA adapter (4-bit base + adapter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.contract.chat_protocol import GenerateRequest, Message, StopRequest, to_line
from engine.contract.events import ChatDone, ChatReady, ChatToken, parse_line

ROOT = Path(__file__).resolve().parents[2]


def _request(rid: str, **kw: object) -> GenerateRequest:
    fields = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": 24, "seed": 11, **kw}
    return GenerateRequest(id=rid, messages=(Message("user", "Write about spring."),), **fields)


@pytest.fixture(scope="module")
def session(tiny_run: Path):
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    return ChatSession(read_run(tiny_run), merged=False, device="cpu")


def test_same_seed_same_text_and_base_differs(session) -> None:
    pieces: list[str] = []
    first = session.reply(_request("a"), on_text=pieces.append)
    again = session.reply(_request("b"), on_text=lambda _: None)
    base = session.reply(_request("c", variant="base"), on_text=lambda _: None)
    assert first.token_ids and "".join(pieces) == first.text
    assert again.token_ids == first.token_ids
    assert base.token_ids != first.token_ids
    # The adapter was switched back on after the base reply.
    assert session.reply(_request("d"), on_text=lambda _: None).token_ids == first.token_ids


def test_stop_between_tokens(session) -> None:
    # Stop after the third token. Counted in tokens, not text pieces: a token that is only
    # part of a character (or a stray byte) gives no piece, so pieces can lag behind tokens.
    asked: list[int] = []

    def third_token_done() -> bool:
        asked.append(1)
        return len(asked) > 3

    reply = session.reply(
        _request("s", max_new_tokens=500), on_text=lambda _: None, should_stop=third_token_done
    )
    assert reply.stopped and 3 <= len(reply.token_ids) <= 4


def test_static_cache_stepper_matches_eager(session, tiny_base: Path) -> None:
    """The static-cache stepper computes the same next-token logits as the eager one, step by
    step along the same tokens. Teacher-forced and in float32: the tiny model's random weights
    give near-ties where a greedy comparison of the bf16 4-bit model flips on rounding noise
    (the two paths run different attention kernels)."""
    import torch
    from transformers import AutoModelForCausalLM

    from engine.chat.decoding import EagerStepper, Sampling, generate
    from engine.chat.fast import StaticStepper
    from engine.chat.session import prompt_ids

    ids = prompt_ids(session.tokenizer, [{"role": "user", "content": "Hello there"}])
    model = AutoModelForCausalLM.from_pretrained(tiny_base, dtype=torch.float32).eval()
    sampling = Sampling(temperature=0.0, max_new_tokens=16)
    reply = generate(EagerStepper(model), session.tokenizer, ids, sampling, set(), lambda _: None)
    assert len(reply.token_ids) >= 8
    eager, static = EagerStepper(model), StaticStepper(model, max_cache_len=128, compile_step=False)
    with torch.no_grad():
        pairs = [(eager.prefill(ids), static.prefill(ids))]
        for token in reply.token_ids[:-1]:
            token_id = torch.tensor([token])
            pairs.append((eager.step(token_id), static.step(token_id)))
    for step, (expected, got) in enumerate(pairs):
        torch.testing.assert_close(
            got, expected, atol=1e-4, rtol=0.0, msg=lambda m, step=step: f"step {step}: {m}"
        )


def test_chat_command_streams_and_stops(tiny_run: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "chat", "--run", str(tiny_run), "--device", "cpu"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdin and proc.stdout
    try:
        ready = parse_line(proc.stdout.readline())
        assert isinstance(ready, ChatReady), ready
        proc.stdin.write(to_line(_request("one")) + "\n")
        proc.stdin.flush()
        tokens: list[str] = []
        while True:
            event = parse_line(proc.stdout.readline())
            if isinstance(event, ChatToken):
                tokens.append(event.text)
            elif isinstance(event, ChatDone):
                break
        assert event.request_id == "one" and not event.stopped
        assert len(tokens) >= 2 and "".join(tokens) == event.text
        assert event.new_tokens > 0 and event.first_token_seconds <= event.seconds

        # A long reply, stopped as soon as it starts streaming.
        proc.stdin.write(to_line(_request("long", max_new_tokens=4000, seed=5)) + "\n")
        proc.stdin.flush()
        count = 0
        while True:
            event = parse_line(proc.stdout.readline())
            if isinstance(event, ChatToken) and count == 0:
                proc.stdin.write(to_line(StopRequest(id="long")) + "\n")
                proc.stdin.flush()
            if isinstance(event, ChatToken):
                count += 1
            if isinstance(event, ChatDone):
                break
        assert event.stopped and event.new_tokens < 4000
        # Quit right behind a long request: it is answered as stopped, then the engine exits.
        proc.stdin.write(to_line(_request("last", max_new_tokens=4000)) + "\n")
        proc.stdin.write(json.dumps({"type": "quit"}) + "\n")
        proc.stdin.flush()
        while not isinstance(event := parse_line(proc.stdout.readline()), ChatDone):
            pass
        assert event.request_id == "last" and event.stopped
        deadline = time.time() + 30
        while proc.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_merged_session_serves_both_variants(tiny_run: Path) -> None:
    """With merged weights the base variant swaps the base's own weights in and back, exactly:
    replies and weights are the same however often the variants alternate."""
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    merged = ChatSession(read_run(tiny_run), merged=True, device="cpu")
    greedy = {"temperature": 0.0, "max_new_tokens": 12}
    tuned = merged.reply(_request("t", **greedy), on_text=lambda _: None)
    base = merged.reply(_request("b", variant="base", **greedy), on_text=lambda _: None)
    again = merged.reply(_request("t2", **greedy), on_text=lambda _: None)
    base_again = merged.reply(_request("b2", variant="base", **greedy), on_text=lambda _: None)
    assert tuned.token_ids == again.token_ids != base.token_ids == base_again.token_ids
    holder = merged.merged_weights
    assert holder is not None and holder.base_weights is not None
    for layer, weight in zip(holder.layers, holder.merged_weights, strict=True):
        assert layer.get_base_layer().weight.data_ptr() == weight.data_ptr()  # merged back
    for kept, merged_weight in zip(holder.base_weights, holder.merged_weights, strict=True):
        assert not kept.equal(merged_weight)  # the adapter changed every adapted layer
