"""Starting the real engine CLI as a killable child process, fast, and watching it.

Each fault test starts `engine.__main__.main([...])` in a real child process that it can
SIGKILL at any moment. Importing torch, transformers and peft costs several CPU seconds per
process, and the kill test starts a dozen; so children are forked from a multiprocessing
*forkserver* that imported the ML stack once (`set_forkserver_preload`). The child is still a
whole, separate engine process: its own stdout (a file), stderr, stdin (closed), run lock
and exit status, exactly as the GUI starts it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRELOAD = [
    # First: seal the forkserver as the engine seals itself (engine/sealing.py), so that the
    # preloaded ML stack does not import the Hub-kernel package the children must not see.
    "tests.reliability.sealed_preload",
    "torch",
    "transformers",
    "peft",
    "bitsandbytes",
    "safetensors.torch",
    "engine.train.loop",
    "engine.data.prepare",
    "engine.commands.train",
]

_context: Any = None


def context() -> Any:
    """The shared forkserver context (POSIX); plain spawn elsewhere."""
    global _context
    if _context is None:
        if sys.platform == "win32":
            _context = multiprocessing.get_context("spawn")
        else:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(PRELOAD)
    return _context


def _engine_child(argv: list[str], env: dict[str, str], stdout: str, stderr: str) -> None:
    """The child's body: the environment it was given, fd 1/2 to files, then the engine CLI."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    err = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (the GUI has gone: EOF)
    from engine.__main__ import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@dataclass
class EngineChild:
    """One engine process, its output files and what it said so far."""

    argv: list[str]
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    name: str = "engine"

    def __post_init__(self) -> None:
        self.stdout = self.workdir / f"{self.name}.stdout.jsonl"
        self.stderr = self.workdir / f"{self.name}.stderr.log"
        self.process: Any = None
        self.started_at = 0.0

    def start(self) -> EngineChild:
        env = dict(os.environ)
        env.setdefault("QUILLORA_CPU_THREADS", "1")
        env.update(self.env)
        self.process = context().Process(
            target=_engine_child,
            args=(self.argv, env, str(self.stdout), str(self.stderr)),
            daemon=True,
        )
        self.started_at = time.monotonic()
        self.process.start()
        return self

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def events(self) -> list[dict[str, Any]]:
        found = []
        try:
            lines = self.stdout.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        for line in lines:
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by the kill
        return found

    def stderr_text(self) -> str:
        try:
            return self.stderr.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def kill_when(
        self,
        condition: Callable[[EngineChild], bool],
        timeout: float = 180.0,
        delay: float = 0.0,
        signal: int | None = None,
    ) -> bool:
        """SIGKILL the child once `condition` holds (after `delay` s); False if it ended first.

        With `signal`, send that signal instead and do not wait for the child.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self):
                if delay:
                    time.sleep(delay)
                if not self.process.is_alive():
                    return False
                if signal is not None:
                    os.kill(self.pid, signal)
                    return True
                self.process.kill()
                self.process.join(30)
                return True
            if not self.process.is_alive():
                return False
            time.sleep(0.01)
        self.process.kill()
        self.process.join(30)
        raise AssertionError(f"kill condition never met for {self.argv}:\n{self.tail()}")

    def wait(self, timeout: float = 300.0) -> int:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(30)
            raise AssertionError(f"engine did not finish in {timeout}s:\n{self.tail()}")
        return int(self.process.exitcode)

    def tail(self) -> str:
        return "\n".join(
            [*(json.dumps(e)[:300] for e in self.events()[-6:]), self.stderr_text()[-3000:]]
        )


def run_engine(argv: Sequence[str], workdir: Path, name: str, **env: str) -> EngineChild:
    child = EngineChild(list(argv), workdir, dict(env), name).start()
    child.wait()
    return child


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("type") == kind]


def saw(kind: str, **fields: Any) -> Callable[[EngineChild], bool]:
    """A kill condition: an event of `kind` whose fields match has been written."""

    def condition(child: EngineChild) -> bool:
        return any(
            all(e.get(k) == v for k, v in fields.items()) for e in of_type(child.events(), kind)
        )

    return condition


def said_on_stderr(text: str) -> Callable[[EngineChild], bool]:
    return lambda child: text in child.stderr_text()
