"""engine.train.ranks between two real processes (torchrun, gloo on the CPU).

Process 0's pause, resume and stop reach the other process; gradients (including a process
that had no rows) and step figures add up; each process takes its own share of the rows.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_agree_on_requests_and_add_up_their_work(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_port", str(port), str(Path(__file__).with_name("ranks_worker.py"))]
    command.append(str(tmp_path))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = [json.loads((tmp_path / f"{index}.json").read_text()) for index in (0, 1)]
    assert [r["index"] for r in seen] == [0, 1]
    for report in seen:
        assert report["count"] == 2
        assert report["paused"] and report["resumed"] and report["stopped"]
        assert report["shared"] == [3.0, 3.0, 3.0]  # 1 + 2
        assert report["only_main"] == [1.0, 1.0]
        assert report["any"] is True
        assert report["total"] == [3.0, 20]
        assert report["sums"] == [2.0, 4.0]
    assert seen[0]["share"] == [0, 2, 4] and seen[1]["share"] == [1, 3]
