"""`python -m engine chat --run RUN_DIR [--merged] [--other RUN_DIR]`: chat with a trained run.

`--other` loads a second run's adapter on the same base, answering requests whose variant
is "other" (Try it's "this run vs another run"); runs on different base models are refused.

Requests arrive on stdin as JSON lines (engine.contract.chat_protocol); answers leave on
stdout as ChatReady, then ChatToken pieces and one ChatDone per request. A reader thread
takes stdin so that a `stop` line is seen while a reply is being generated: it sets a flag
the token loop checks between two tokens. `quit` ends the reply in progress and answers any
queued request as stopped; the end of stdin lets queued requests finish, then leaves.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
from pathlib import Path
from typing import IO

from engine.contract.chat_protocol import (
    ChatProtocolError,
    GenerateRequest,
    QuitRequest,
    StopRequest,
    Variant,
    parse_request,
)
from engine.contract.events import ChatDone, ChatReady, ChatToken, Log
from engine.emit import Emitter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", required=True, type=Path, help="the run folder to chat with")
    parser.add_argument(
        "--merged",
        action="store_true",
        help="merge the adapter into 16-bit base weights (faster, more memory; on the CPU "
        "the default for models up to 1B parameters)",
    )
    parser.add_argument("--device", choices=("cuda", "cpu"), default=None)
    parser.add_argument(
        "--other", type=Path, default=None, help="a second run to compare with (same base model)"
    )


class _Inbox:
    """Requests from stdin: generate requests queue up, stop and quit act at once."""

    def __init__(self, emitter: Emitter) -> None:
        self.requests: queue.Queue[GenerateRequest | None] = queue.Queue()
        self.current_id = ""
        self._stopped: set[str] = set()
        self._stop_all = threading.Event()
        self._quit = threading.Event()
        self._lock = threading.Lock()
        self._emitter = emitter

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            if not line.strip():
                continue
            try:
                request = parse_request(line)
            except ChatProtocolError as exc:
                self._emitter.emit(Log(message=f"ignored a chat request: {exc}", level="warning"))
                continue
            if isinstance(request, GenerateRequest):
                self.requests.put(request)
            elif isinstance(request, StopRequest):
                with self._lock:
                    if request.id:
                        self._stopped.add(request.id)
                    else:
                        self._stop_all.set()
            elif isinstance(request, QuitRequest):
                # Quit: end the reply in progress, answer queued ones as stopped, leave.
                with self._lock:
                    self._quit.set()
                    self._stop_all.set()
                break
        # End of input without quit (a script piping requests): answer what is queued first.
        self.requests.put(None)

    def should_stop(self, request_id: str) -> bool:
        with self._lock:
            return self._stop_all.is_set() or request_id in self._stopped

    def stopped_before_start(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._stopped or self._quit.is_set()

    def begin(self, request_id: str) -> None:
        with self._lock:
            if not self._quit.is_set():
                self._stop_all.clear()  # a stop sent before this request does not cancel it
            self.current_id = request_id


# On the CPU, bitsandbytes' 4-bit layers unpack every weight again at every token; a small
# base merged with its adapter in fp32 decodes about 3x faster (the demo, same shared 2-core
# machine: 0.4 against 0.14 tokens/s) for at most 4 GB of memory at this size.
CPU_MERGED_MAX_PARAMETERS = 1_000_000_000


def _small_enough_to_merge_on_the_cpu(base_dir: Path) -> bool:
    from engine.export.merged import parameter_count

    return parameter_count(base_dir) <= CPU_MERGED_MAX_PARAMETERS


def run(args: argparse.Namespace, emitter: Emitter) -> int:
    from engine.chat.loading import pick_device
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession
    from engine.modeling import configure_cpu_threads

    info = read_run(args.run)
    merged = args.merged
    if (args.device or pick_device()) == "cpu":
        configure_cpu_threads()
        merged = merged or _small_enough_to_merge_on_the_cpu(info.base_model_dir)
    # With --other the session serves both adapters unmerged (ChatSession says why).
    other = read_run(args.other) if args.other is not None else None
    session = ChatSession(info, merged=merged, device=args.device, other=other)
    emitter.emit(
        ChatReady(
            model=info.base_model_name,
            adapter=str(info.adapter_dir),
            load_seconds=round(session.load_seconds, 3),
        )
    )
    inbox = _Inbox(emitter)
    reader = threading.Thread(target=inbox.read, args=(sys.stdin,), daemon=True)
    reader.start()
    while True:
        request = inbox.requests.get()
        if request is None:
            return 0
        rid, variant = request.id, request.variant
        if inbox.stopped_before_start(rid):
            emitter.emit(
                ChatDone(
                    request_id=rid,
                    text="",
                    new_tokens=0,
                    seconds=0.0,
                    first_token_seconds=0.0,
                    stopped=True,
                    variant=variant,
                )
            )
            continue
        inbox.begin(rid)

        def on_text(piece: str, rid: str = rid, variant: Variant = variant) -> None:
            emitter.emit(ChatToken(request_id=rid, text=piece, variant=variant))

        def should_stop(rid: str = rid) -> bool:
            return inbox.should_stop(rid)

        reply = session.reply(request, on_text=on_text, should_stop=should_stop)
        emitter.emit(
            ChatDone(
                request_id=rid,
                text=reply.text,
                new_tokens=len(reply.token_ids),
                seconds=round(reply.seconds, 4),
                first_token_seconds=round(reply.first_token_seconds, 4),
                stopped=reply.stopped,
                variant=variant,
            )
        )
