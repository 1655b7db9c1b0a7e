"""A scripted stand-in for `python -m engine chat` / `export`, for the Try it and Share tests.

Usage: fake_chat_engine.py [chat|export] ... The behaviour comes from environment variables:
  FAKE_CHAT_LOG     every request line read on stdin is appended here
  FAKE_ARGV_LOG     the engine arguments, one JSON list a line
  FAKE_CHAT_DELAY   seconds between two tokens (default 0.01)
  FAKE_CHAT_FAIL    emit this error kind at start and exit 1
  FAKE_EXPORT_JSON  a JSON list of events for `export` to print, in order
Chat replies are "<variant> reply <n> to: <last user message>" split into word tokens; a
`stop` request ends the reply in progress, a `quit` line or end of stdin ends the program.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time

requests: queue.Queue[dict | None] = queue.Queue()
stop_flag = threading.Event()


def emit(**event: object) -> None:
    print(json.dumps({"v": 1, "time": time.time(), **event}), flush=True)


def read_stdin() -> None:
    log = os.environ.get("FAKE_CHAT_LOG")
    for line in sys.stdin:
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(line.strip() + "\n")
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if data.get("type") == "generate":
            requests.put(data)
        elif data.get("type") == "stop":
            stop_flag.set()
        elif data.get("type") == "quit":
            break
    stop_flag.set()
    requests.put(None)


def chat() -> int:
    if os.environ.get("FAKE_CHAT_FAIL"):
        emit(type="failed", kind=os.environ["FAKE_CHAT_FAIL"], message="Scripted failure.")
        return 1
    delay = float(os.environ.get("FAKE_CHAT_DELAY", "0.01"))
    time.sleep(0.05)
    emit(type="chat_ready", model="demo", adapter="adapter", load_seconds=0.05)
    threading.Thread(target=read_stdin, daemon=True).start()
    count = 0
    while True:
        request = requests.get()
        if request is None:
            return 0
        count += 1
        stop_flag.clear()
        last = request["messages"][-1]["content"]
        words = f"{request['variant']} reply {count} to: {last}".split(" ")
        text, stopped = "", False
        for i, word in enumerate(words):
            if stop_flag.is_set():
                stopped = True
                break
            piece = word if i == 0 else " " + word
            text += piece
            emit(
                type="chat_token", request_id=request["id"], text=piece, variant=request["variant"]
            )
            time.sleep(delay)
        emit(
            type="chat_done",
            request_id=request["id"],
            text=text,
            new_tokens=len(text.split()),
            seconds=0.1,
            first_token_seconds=0.01,
            stopped=stopped,
            variant=request["variant"],
        )


def main() -> int:
    if os.environ.get("FAKE_ARGV_LOG"):
        with open(os.environ["FAKE_ARGV_LOG"], "a", encoding="utf-8") as out:
            out.write(json.dumps(sys.argv[1:]) + "\n")
    if sys.argv[1:2] == ["export"]:
        for event in json.loads(os.environ.get("FAKE_EXPORT_JSON", "[]")):
            if "sleep" in event:
                time.sleep(event["sleep"])
                continue
            emit(**event)
            if event.get("type") == "failed":
                return 1
        return 0
    return chat()


if __name__ == "__main__":
    sys.exit(main())
