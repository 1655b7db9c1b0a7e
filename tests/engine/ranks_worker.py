"""One of two processes started by torchrun for tests/engine/test_ranks.py.

Drives engine.train.ranks as the loop does and writes what it saw to <folder>/<index>.json
(a file each: two processes printing to one pipe can interleave their lines).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import torch

from engine.train.control import ControlState
from engine.train.ranks import Ranks


def main() -> None:
    ranks = Ranks.join()
    control = ControlState()
    if ranks.main:  # the user pauses, and resumes half a second later
        control.apply("pause")
        threading.Timer(0.5, control.apply, args=("resume",)).start()
    paused = ranks.requests(control)
    resumed = ranks.wait_while_paused(control)
    if ranks.main:
        control.apply("stop")
    stopped = ranks.requests(control)

    shared = torch.nn.Parameter(torch.zeros(3))
    shared.grad = torch.full((3,), float(ranks.index + 1))
    only_main = torch.nn.Parameter(torch.zeros(2))  # process 1 had no rows: no gradient
    if ranks.main:
        only_main.grad = torch.ones(2)
    ranks.sum_gradients([shared, only_main])
    loss, tokens = ranks.total(torch.tensor(1.5), 10)
    (Path(sys.argv[1]) / f"{ranks.index}.json").write_text(
        json.dumps(
            {
                "index": ranks.index,
                "count": ranks.count,
                "paused": paused.paused,
                "resumed": not resumed.paused and not resumed.stop,
                "stopped": stopped.stop and not stopped.cancel,
                "shared": shared.grad.tolist(),
                "only_main": only_main.grad.tolist(),
                "any": ranks.any(ranks.index == 1),
                "share": ranks.share(list(range(5))),
                "total": [float(loss), tokens],
                "sums": ranks.sums([1.0, 2.0]),
            }
        )
    )
    ranks.close()


if __name__ == "__main__":
    main()
