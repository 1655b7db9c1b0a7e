"""Two runs on one base: `variant: other` answers with the second run's adapter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.contract.chat_protocol import GenerateRequest, Message, to_line
from engine.contract.events import ChatDone, ChatReady, ChatToken, Failed, parse_line
from tests.chat_export.conftest import make_run

ROOT = Path(__file__).resolve().parents[2]


def _greedy(rid: str, variant: str = "tuned") -> GenerateRequest:
    return GenerateRequest(
        id=rid,
        messages=(Message("user", "Write about spring."),),
        temperature=0.0,
        max_new_tokens=12,
        seed=3,
        variant=variant,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def second_run(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Another adapter on the same base, from another seed: a run trained on other data.
    return make_run(tiny_base, tmp_path_factory.mktemp("second-run"), seed=21)


def test_other_variant_is_the_other_run_alone(tiny_run: Path, second_run: Path) -> None:
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    pair = ChatSession(read_run(tiny_run), device="cpu", other=read_run(second_run))
    alone = ChatSession(read_run(second_run), device="cpu")
    pieces: list[str] = []
    own = pair.reply(_greedy("a"), on_text=lambda _: None)
    other = pair.reply(_greedy("b", "other"), on_text=pieces.append)
    base = pair.reply(_greedy("c", "base"), on_text=lambda _: None)
    expected = alone.reply(_greedy("d"), on_text=lambda _: None)
    assert other.token_ids == expected.token_ids and "".join(pieces) == other.text
    assert own.token_ids != other.token_ids != base.token_ids
    # The run's own adapter is back on after the other's reply.
    assert pair.reply(_greedy("e"), on_text=lambda _: None).token_ids == own.token_ids


def test_merged_is_not_used_with_two_runs(tiny_run: Path, second_run: Path) -> None:
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    pair = ChatSession(read_run(tiny_run), merged=True, device="cpu", other=read_run(second_run))
    assert not pair.merged
    assert pair.reply(_greedy("o", "other"), on_text=lambda _: None).token_ids


def test_other_without_second_run_is_refused(tiny_run: Path) -> None:
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession
    from engine.contract.errors import EngineError

    single = ChatSession(read_run(tiny_run), device="cpu")
    with pytest.raises(EngineError, match="No second run"):
        single.reply(_greedy("x", "other"), on_text=lambda _: None)


def _chat(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "engine", "chat", "--device", "cpu", *args]
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_chat_command_streams_the_other_run(tiny_run: Path, second_run: Path) -> None:
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    expected = ChatSession(read_run(second_run), device="cpu").reply(
        _greedy("alone"), on_text=lambda _: None
    )
    proc = _chat("--run", str(tiny_run), "--other", str(second_run))
    assert proc.stdin and proc.stdout
    try:
        assert isinstance(parse_line(proc.stdout.readline()), ChatReady)
        proc.stdin.write(to_line(_greedy("o", "other")) + "\n")
        proc.stdin.close()
        tokens: list[str] = []
        while not isinstance(event := parse_line(proc.stdout.readline()), ChatDone):
            if isinstance(event, ChatToken):
                assert event.variant == "other"
                tokens.append(event.text)
        assert event.variant == "other" and event.text == expected.text == "".join(tokens)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_chat_command_refuses_another_base_model(tiny_run: Path, arch_runs) -> None:
    proc = _chat("--run", str(tiny_run), "--other", str(arch_runs("qwen2")))
    out, _ = proc.communicate(timeout=120)
    events = [parse_line(line) for line in out.splitlines() if line.strip()]
    failed = [e for e in events if isinstance(e, Failed)]
    assert proc.returncode != 0 and failed
    assert "trained on different models" in failed[0].message
    assert not any(isinstance(e, ChatReady) for e in events)


def test_two_trained_runs_answer_differently(
    trained_tiny_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Real runs from `engine train`: one on the brand-voice table, one on the prose folder."""
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession

    prose = tmp_path_factory.mktemp("trained-prose") / "run"
    command = [sys.executable, "-m", "engine", "train", "--model", "tiny-test", "--max-steps", "3"]
    command += ["--data", str(ROOT / "assets" / "samples" / "prose"), "--output", str(prose)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    pair = ChatSession(read_run(trained_tiny_run), device="cpu", other=read_run(prose))
    own = pair.reply(_greedy("a"), on_text=lambda _: None)
    other = pair.reply(_greedy("b", "other"), on_text=lambda _: None)
    alone = ChatSession(read_run(prose), device="cpu").reply(_greedy("c"), on_text=lambda _: None)
    assert own.token_ids != other.token_ids
    assert other.token_ids == alone.token_ids
