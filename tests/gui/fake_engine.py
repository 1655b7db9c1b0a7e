"""A scripted stand-in for `python -m engine`, used only by the GUI unit tests.

Usage: fake_engine.py SCRIPT.json [engine arguments, ignored]. The script is a JSON list of
steps, run in order:
  {"emit": {...event fields without v...}}  print one event line ("v" is added)
  {"raw": "text"}                           print a line as is (a malformed line)
  {"stderr": "text"}                        write to stderr
  {"sleep": seconds}
  {"wait_cmd": "stop", "timeout": 10}       wait for a control command on stdin
  {"ignore_term": true}                     ignore SIGTERM from now on
  {"exit": code}                            exit now with this status
Any `{"cmd": ...}` line on stdin is also appended to the file named by FAKE_ENGINE_LOG, and
the engine arguments to FAKE_ENGINE_ARGV (one JSON list a line).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import time

commands: queue.Queue[str] = queue.Queue()


def _read_stdin() -> None:
    log = os.environ.get("FAKE_ENGINE_LOG")
    for line in sys.stdin:
        try:
            cmd = json.loads(line).get("cmd", "")
        except (json.JSONDecodeError, AttributeError):
            continue
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(cmd + "\n")
        commands.put(cmd)


def _wait_cmd(name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if commands.get(timeout=0.05) == name:
                return
        except queue.Empty:
            continue
    sys.exit(9)


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as stream:
        script = json.load(stream)
    if os.environ.get("FAKE_ENGINE_ARGV"):
        with open(os.environ["FAKE_ENGINE_ARGV"], "a", encoding="utf-8") as out:
            out.write(json.dumps(sys.argv[2:]) + "\n")
    threading.Thread(target=_read_stdin, daemon=True).start()
    for step in script:
        if "emit" in step:
            event = {"v": 1, "time": time.time(), **step["emit"]}
            print(json.dumps(event), flush=True)
        elif "raw" in step:
            print(step["raw"], flush=True)
        elif "stderr" in step:
            print(step["stderr"], file=sys.stderr, flush=True)
        elif "sleep" in step:
            time.sleep(float(step["sleep"]))
        elif "wait_cmd" in step:
            _wait_cmd(step["wait_cmd"], float(step.get("timeout", 10)))
        elif "ignore_term" in step:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        elif "exit" in step:
            return int(step["exit"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
