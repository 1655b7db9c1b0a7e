"""The Try it step's engine side: one long-lived `engine chat --run RUN_DIR` child per run.

`ChatController` starts the chat child for the chosen run (state "loading" until ChatReady),
writes generate / stop requests to its stdin (engine.contract.chat_protocol), and turns the
ChatToken / ChatDone events into signals that carry the request id and the variant (tuned,
base, or other: a second run opened beside it with `open_run(run, other=...)`). It keeps the conversation and saves it in the run folder (chat-history.json) after
every finished reply, so each run has its own history. Side by side and the blind A/B use
`ask()`, which sends one request outside the conversation.

States: idle (no run) -> loading -> ready <-> generating; failed when the child cannot load
the run or dies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.contract.chat_protocol import (
    GenerateRequest,
    Message,
    QuitRequest,
    Sampling,
    StopRequest,
    Variant,
    to_line,
)
from engine.contract.errors import ErrorKind
from engine.contract.events import ChatDone, ChatReady, ChatToken, Event, Failed
from gui.core.engine_command import engine_command
from gui.core.engine_process import EngineProcess

HISTORY_FILE = "chat-history.json"
HISTORY_SCHEMA = 1


def load_history(run_dir: Path) -> list[Message]:
    """The saved conversation of a run; empty when there is none or it cannot be read."""
    try:
        data = json.loads((Path(run_dir) / HISTORY_FILE).read_text(encoding="utf-8"))
        return [Message(str(m["role"]), str(m["content"])) for m in data["messages"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def save_history(run_dir: Path, messages: Sequence[Message], system: str = "") -> None:
    """Write <run_dir>/chat-history.json (temporary file, then renamed); errors are ignored:
    losing the history must never break the chat."""
    path = Path(run_dir) / HISTORY_FILE
    body = {
        "schema": HISTORY_SCHEMA,
        "system": system,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
    }
    with contextlib.suppress(OSError):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


class ChatController(QObject):
    """Owns the chat child of the current run, the conversation, and the requests in flight."""

    sig_state_changed = Signal(str)  # idle | loading | ready | generating | failed
    sig_ready = Signal(object)  # ChatReady
    sig_token = Signal(str, str, str)  # request id, variant, text piece
    sig_reply_done = Signal(object)  # ChatDone (every request, conversation or not)
    sig_history_changed = Signal()  # the conversation was replaced, cleared or extended
    sig_failed = Signal(object)  # Failed: worded by gui.core.messages

    def __init__(self, engine_base: Sequence[str] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._base = list(engine_base) if engine_base is not None else None
        self.run_dir: Path | None = None
        self.other_dir: Path | None = None  # the second run loaded beside it (`--other`)
        self.state = "idle"
        self.ready_event: ChatReady | None = None
        self.messages: list[Message] = []
        self.system = ""
        self.sampling = Sampling()
        self.chat_request_id = ""  # the conversation's reply in progress
        self.last_chat_request_id = ""
        self.pending: set[str] = set()
        self._process: EngineProcess | None = None
        self._ids = itertools.count(1)
        self._variation = 0  # added to the seed by Regenerate, so the new reply can differ

    # -- the child ----------------------------------------------------------------------------
    def open_run(self, run_dir: Path, other: Path | None = None) -> None:
        """Chat with `run_dir`: load its history and start its child (the old one quits).

        `other` also loads a second run's adapter (variant "other"). Without it, a child that
        already serves `run_dir` is kept, whichever second run it holds.
        """
        run_dir = Path(run_dir)
        other = Path(other) if other is not None else None
        running = self.state in ("loading", "ready", "generating")
        if running and self.run_dir == run_dir and other in (None, self.other_dir):
            return
        self.close()
        if self.run_dir != run_dir:
            self.messages = load_history(run_dir)
            self.sig_history_changed.emit()
        self.run_dir = run_dir
        self.other_dir = other
        arguments = ["--run", str(run_dir)] + (["--other", str(other)] if other else [])
        command = engine_command("chat", *arguments, base=self._base)
        process = EngineProcess(command, parent=self)
        process.sig_event.connect(self._on_engine_event)
        process.sig_exited.connect(self._on_engine_exited)  # bound: queued to this thread
        self._process = process
        self._set_state("loading")
        process.start()

    def close(self) -> None:
        """Ask the child to quit (it ends any reply); it is killed if it does not go."""
        process, self._process = self._process, None
        self.pending.clear()
        self.chat_request_id = ""
        self.ready_event = None
        if process is not None and process.is_running():
            process.send(to_line(QuitRequest()))
            process.stop_gracefully(timeout=5.0, kill_after=2.0)
        if self.state != "idle":
            self._set_state("idle")

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Close and wait for the child's reader thread (window closing, tests)."""
        process = self._process
        self.close()
        if process is not None:
            process.kill_now()
            process.wait(wait_ms)
        for child in self.findChildren(EngineProcess):
            child.kill_now()
            child.wait(wait_ms)

    # -- the conversation ---------------------------------------------------------------------
    def send(self, text: str) -> str:
        """Add the user's turn and ask the tuned model to answer; returns the request id."""
        text = text.strip()
        if not text or self.chat_request_id:
            return ""
        self.messages.append(Message("user", text))
        self.sig_history_changed.emit()
        return self._answer_conversation()

    def regenerate(self) -> str:
        """Drop the last answer and ask again (a new seed, so the reply can differ)."""
        if self.chat_request_id or not self.messages:
            return ""
        if self.messages[-1].role == "assistant":
            self.messages.pop()
        if not self.messages or self.messages[-1].role != "user":
            return ""
        self._variation += 1
        self.sig_history_changed.emit()
        return self._answer_conversation()

    def clear(self) -> None:
        """Forget the conversation (and its saved file)."""
        self.stop()
        self.messages = []
        if self.run_dir is not None:
            save_history(self.run_dir, [], self.system)
        self.sig_history_changed.emit()

    def stop(self) -> None:
        """End every reply in progress or queued; what was written so far is kept.

        One stop per request id: a stop without an id would end only the reply being
        written, and the engine would then start the next queued one (side by side)."""
        if self._process is not None:
            for rid in sorted(self.pending):
                self._process.send(to_line(StopRequest(id=rid)))

    def last_reply(self) -> str:
        return next((m.content for m in reversed(self.messages) if m.role == "assistant"), "")

    def _answer_conversation(self) -> str:
        rid = self.ask(self.messages, "tuned", self.sampling.seed + self._variation)
        self.chat_request_id = self.last_chat_request_id = rid
        return rid

    # -- single requests (side by side, blind A/B) ---------------------------------------------
    def ask(
        self, messages: Sequence[Message], variant: Variant = "tuned", seed: int | None = None
    ) -> str:
        """Send one generate request; the answer arrives on sig_token / sig_reply_done."""
        if self._process is None or self.state in ("idle", "failed"):
            return ""
        rid = f"r{next(self._ids)}"
        s = self.sampling
        request = GenerateRequest(
            id=rid,
            messages=tuple(messages),
            system=self.system,
            temperature=s.temperature,
            top_p=s.top_p,
            max_new_tokens=s.max_new_tokens,
            seed=s.seed if seed is None else seed,
            variant=variant,
        )
        if not self._process.send(to_line(request)):
            return ""
        self.pending.add(rid)
        self._set_state("generating" if self.state == "ready" else self.state)
        return rid

    # -- events -------------------------------------------------------------------------------
    def _on_engine_event(self, event: Event) -> None:
        if self.sender() is not self._process:
            return  # a closed run's child still talking
        if isinstance(event, ChatReady):
            self.ready_event = event
            self._set_state("generating" if self.pending else "ready")
            self.sig_ready.emit(event)
        elif isinstance(event, ChatToken):
            self.sig_token.emit(event.request_id, event.variant, event.text)
        elif isinstance(event, ChatDone):
            self._on_done(event)
        elif isinstance(event, Failed):
            self._fail(event)

    def _on_done(self, event: ChatDone) -> None:
        self.pending.discard(event.request_id)
        if event.request_id == self.chat_request_id:
            self.chat_request_id = ""
            if event.text:
                self.messages.append(Message("assistant", event.text))
            if self.run_dir is not None:
                save_history(self.run_dir, self.messages, self.system)
        if not self.pending and self.state == "generating":
            self._set_state("ready")
        self.sig_reply_done.emit(event)

    def _on_engine_exited(self, code: int) -> None:
        process = self._process
        if process is None or self.sender() is not process:
            return
        self._process = None
        self.pending.clear()
        self.chat_request_id = ""
        if self.state != "failed":
            self._fail(
                Failed(
                    kind=ErrorKind.INTERNAL_ERROR,
                    message="The model stopped unexpectedly.",
                    detail=f"chat engine exited with status {code}\n{process.stderr_tail()}",
                )
            )

    def _fail(self, failed: Failed) -> None:
        self._set_state("failed")
        self.sig_failed.emit(failed)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.sig_state_changed.emit(state)
