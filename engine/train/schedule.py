"""Learning rate: linear warm-up, then cosine decay to a tenth of the peak.

A pure function of the step, so a resumed run needs only the step number to continue the
schedule exactly (the checkpoint's "scheduler state" is that number).
"""

from __future__ import annotations

import math

FINAL_FRACTION = 0.1


def learning_rate_at(step: int, total_steps: int, peak: float, warmup_steps: int) -> float:
    """The rate for optimizer step `step` (0-based) of `total_steps`."""
    if warmup_steps > 0 and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    return peak * (FINAL_FRACTION + (1.0 - FINAL_FRACTION) * cosine)
