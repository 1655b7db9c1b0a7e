"""Measuring one call's wall time and peak resident-memory growth (sampled), and counting."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from engine.contract.errors import EngineError, ErrorKind

COUNTS: Counter[str] = Counter()  # fuzz cases and files tried, printed for the report
ALLOWED = {ErrorKind.BAD_DATA_FILE, ErrorKind.NO_USABLE_ROWS, ErrorKind.BAD_CONFIG}


@dataclass
class Measured:
    result: Any
    error: EngineError | None
    seconds: float
    peak_rss_delta_mb: float


def measure(call: Callable[[], Any]) -> Measured:
    """Run `call`; an EngineError is captured (typed answer), anything else propagates."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    result, error = None, None
    try:
        result = call()
    except EngineError as exc:
        error = exc
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    peak[0] = max(peak[0], process.memory_info().rss)
    return Measured(result, error, seconds, (peak[0] - baseline) / 2**20)


def assert_typed_or_read(measured: Measured) -> None:
    """Either examples came out, or a typed error with a plain sentence did."""
    if measured.error is not None:
        assert measured.error.kind in ALLOWED, measured.error.kind
        assert measured.error.message and measured.error.message[-1] in ".)", measured.error
        assert "Traceback" not in measured.error.message
    else:
        assert measured.result.train or measured.result.heldout
