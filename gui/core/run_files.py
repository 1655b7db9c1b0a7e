"""Reading run folders from the GUI: what ran, how it ended, and whether it is still running.

A run folder (docs/architecture.md, "A run on disk") holds run.json, events.jsonl, checkpoints/step-N/ and
adapter/. The GUI adds engine.pid when it starts a child, so a reopened app can tell a run
that is still training in the background from one that stopped. Every reader here tolerates
missing or half-written files: a run folder may be mid-write, copied, or damaged.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.contract.events import (
    Evaluation,
    Event,
    Failed,
    Finished,
    ProtocolError,
    RunStarted,
    StepProgress,
    parse_line,
)
from engine.contract.paths import runs_dir

EVENTS_FILE = "events.jsonl"
CONFIG_FILE = "run.json"
REQUEST_FILE = "gui-request.json"  # the configuration the GUI asked for, before run.json exists
PID_FILE = "engine.pid"
LOCK_FILE = "run.lock"  # written by the engine, if it does; read the same way
STDERR_FILE = "engine-stderr.log"
STDOUT_FILE = "engine-stdout.jsonl"

_CHECKPOINT = re.compile(r"^step-(\d+)$")
CHECKPOINT_MARKER = "COMPLETE"  # engine.train.checkpoint writes it last


def write_pid(run_dir: Path, pid: int) -> None:
    """Record the engine child's pid so a reopened app can reattach to a live run."""
    with contextlib.suppress(OSError):
        (run_dir / PID_FILE).write_text(json.dumps({"pid": pid}), encoding="utf-8")


def read_pid(run_dir: Path) -> int | None:
    """The pid in engine.pid or run.lock ({"pid": N} or a bare number); None if unreadable."""
    for name in (LOCK_FILE, PID_FILE):
        try:
            text = (run_dir / name).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            continue
        pid = value.get("pid") if isinstance(value, dict) else value
        if isinstance(pid, int) and pid > 0:
            return pid
    return None


def pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        import psutil

        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except Exception:  # psutil missing, no such process, access denied
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def read_events(path: Path) -> list[Event]:
    """Every readable event in an events.jsonl; bad or half-written lines are skipped."""
    events: list[Event] = []
    try:
        with path.open("r", encoding="utf-8", errors="replace") as stream:
            for line in stream:
                line = line.strip()
                if not line:
                    continue
                try:
                    events.append(parse_line(line))
                except ProtocolError:
                    continue
    except OSError:
        pass
    return events


def latest_checkpoint(run_dir: Path) -> int:
    """The highest complete checkpoint step (0 if none). Temporary folders do not count."""
    best = 0
    try:
        for child in (run_dir / "checkpoints").iterdir():
            match = _CHECKPOINT.match(child.name)
            if match and (child / CHECKPOINT_MARKER).is_file():
                best = max(best, int(match.group(1)))
    except OSError:
        pass
    return best


@dataclass
class RunSummary:
    """What the Runs page and the reattach check need to know about one run folder."""

    path: Path
    name: str
    started: datetime | None = None
    model: str = ""
    data: str = ""
    state: str = "unknown"  # running | finished | stopped | failed | cancelled | interrupted
    steps: int = 0
    total_steps: int = 0
    checkpoint_step: int = 0
    losses: list[float] = field(default_factory=list)
    train_points: list[tuple[int, float]] = field(default_factory=list)  # (step, loss)
    heldout: list[tuple[int, float]] = field(default_factory=list)
    final_loss: float | None = None
    error: str = ""
    pid: int | None = None
    processes: int = 1  # training processes (more than one on a server, accelerate launch)
    from_elsewhere: bool = False  # opened from a folder trained on another computer

    @property
    def resumable(self) -> bool:
        return self.state in ("stopped", "interrupted", "failed") and self.checkpoint_step > 0

    @property
    def live(self) -> bool:
        return self.state == "running"


def summarize(run_dir: Path) -> RunSummary:
    """Read one run folder into a RunSummary, whatever state the files are in."""
    summary = RunSummary(path=run_dir, name=run_dir.name)
    config = (
        read_json_object(run_dir / CONFIG_FILE) or read_json_object(run_dir / REQUEST_FILE) or {}
    )
    body = config.get("config", config) if isinstance(config, dict) else {}
    model = body.get("model", {}) if isinstance(body, dict) else {}
    data = body.get("data", {}) if isinstance(body, dict) else {}
    if isinstance(model, dict):
        summary.model = str(model.get("name", ""))
    if isinstance(config, dict):
        processes = config.get("processes")
        summary.processes = processes if isinstance(processes, int) and processes > 0 else 1
        summary.from_elsewhere = bool(config.get("opened_from"))
    if isinstance(data, dict):
        sources = [str(s) for s in data.get("sources", []) or []]
        summary.data = ", ".join(Path(s).name for s in sources[:2]) + (
            f" +{len(sources) - 2}" if len(sources) > 2 else ""
        )
    events = read_events(run_dir / EVENTS_FILE) or read_events(run_dir / STDOUT_FILE)
    ended = ""
    for event in events:
        if isinstance(event, RunStarted):
            summary.started = datetime.fromtimestamp(event.time)
            summary.model = summary.model or event.model
        elif isinstance(event, StepProgress):
            summary.steps = event.step
            summary.total_steps = event.total_steps
            summary.losses.append(event.loss)
            summary.train_points.append((event.step, event.loss))
        elif isinstance(event, Evaluation):
            summary.heldout.append((event.step, event.heldout_loss))
        elif isinstance(event, Finished):
            ended = "stopped" if event.reason == "stopped" else "finished"
            summary.final_loss = event.final_loss
        elif isinstance(event, Failed):
            ended = "cancelled" if event.kind.value == "cancelled" else "failed"
            summary.error = event.message
    if summary.started is None:
        with contextlib.suppress(OSError):
            summary.started = datetime.fromtimestamp(run_dir.stat().st_mtime)
    summary.checkpoint_step = latest_checkpoint(run_dir)
    summary.pid = read_pid(run_dir)
    if ended:
        summary.state = ended
    elif pid_alive(summary.pid):
        summary.state = "running"
    elif events:
        summary.state = "interrupted"
    return summary


def list_runs(runs_root: Path) -> list[RunSummary]:
    """Every run folder under runs_root, newest first."""
    try:
        folders = [p for p in runs_root.iterdir() if p.is_dir()]
    except OSError:
        return []
    runs = [summarize(p) for p in folders]
    runs.sort(key=lambda r: r.started or datetime.min, reverse=True)
    return runs


def delete_run(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)


def run_config(run_dir: Path | None) -> dict[str, Any]:
    """The configuration saved in the run's run.json ({} when missing or unreadable)."""
    if run_dir is None:
        return {}
    data = read_json_object(Path(run_dir) / CONFIG_FILE) or {}
    config = data.get("config", data)
    return config if isinstance(config, dict) else {}


def base_model_name(run_dir: Path | None) -> str:
    """The base model's name as the run recorded it ("demo" for the offline demo)."""
    model = run_config(run_dir).get("model", {})
    return str(model.get("name", "")) if isinstance(model, dict) else ""


def is_demo_run(run_dir: Path | None) -> bool:
    """True for a run of the offline demo model (its answers are not a real assistant's)."""
    return base_model_name(run_dir) == "demo"


def has_adapter(run_dir: Path) -> bool:
    """True when the run saved a trained adapter (Try it and Share need one)."""
    return (Path(run_dir) / "adapter" / "adapter_config.json").is_file()


def finished_runs(root: Path | None = None) -> list[Path]:
    """Runs with a trained adapter, newest first: the ones Try it and Share can use."""
    runs = list_runs(root or runs_dir())
    return [r.path for r in runs if r.state in ("finished", "stopped") and has_adapter(r.path)]


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
