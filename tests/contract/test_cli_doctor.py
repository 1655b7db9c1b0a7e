"""`python -m engine doctor` answers with one JSON report on stdout, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys

from engine.contract.events import Report, parse_line


def test_doctor_prints_one_json_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "engine", "doctor", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    event = parse_line(lines[0])
    assert isinstance(event, Report) and event.name == "doctor"
    body = event.body
    assert body["torch"] and body["python"]
    assert body["bitsandbytes"]["installed"] is True
    assert body["bitsandbytes"]["ok"] is True, body["bitsandbytes"]
    assert body["data_dir"]["free_gib"] > 0
    assert isinstance(body["gpus"], list)
    json.dumps(body)


def test_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "fly"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
