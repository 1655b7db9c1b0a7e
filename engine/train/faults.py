"""Deliberate faults for tests: out-of-memory, a NaN loss, a full disk.

The recovery code that reacts to them is the real loop's; only the trigger is artificial,
since a CPU test machine cannot run out of GPU memory on demand. Set in-process, or through
the QUILLORA_TEST_FAULTS environment variable ("oom_at_step=3,nan_at_step=5,explode_at_step=5,enospc_at_step=4",
"oom_in_evaluation=1")
so end-to-end tests can drive the command line.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

ENV = "QUILLORA_TEST_FAULTS"


@dataclass
class Faults:
    oom_at_step: int | None = None
    nan_at_step: int | None = None
    explode_at_step: int | None = None  # the loss (and gradients) x1000 once: a blow-up
    enospc_at_step: int | None = None
    oom_in_evaluation: int | None = None  # 1: the base-versus-tuned check runs out of memory
    _fired: set[str] = field(default_factory=set)

    @classmethod
    def from_env(cls) -> Faults:
        faults = cls()
        for item in os.environ.get(ENV, "").split(","):
            name, _, value = item.partition("=")
            if name.strip() in (
                "oom_at_step",
                "nan_at_step",
                "explode_at_step",
                "enospc_at_step",
                "oom_in_evaluation",
            ):
                setattr(faults, name.strip(), int(value))
        return faults

    def _once(self, name: str, at: int | None, step: int) -> bool:
        if at is None or at != step or name in self._fired:
            return False
        self._fired.add(name)
        return True

    def maybe_oom(self, step: int) -> None:
        """Raise torch.OutOfMemoryError once, at the first micro-batch of `step`."""
        if self._once("oom", self.oom_at_step, step):
            import torch

            raise torch.OutOfMemoryError("injected out-of-memory (test)")

    def poison(self, step: int) -> float:
        """A factor for the loss: NaN once at `nan_at_step`, 1000 once at `explode_at_step`."""
        if self._once("nan", self.nan_at_step, step):
            return float("nan")
        return 1000.0 if self._once("explode", self.explode_at_step, step) else 1.0

    def maybe_enospc(self, step: int) -> None:
        if self._once("enospc", self.enospc_at_step, step):
            raise OSError(errno.ENOSPC, "No space left on device (injected)")

    def maybe_oom_in_evaluation(self) -> None:
        """Raise torch.OutOfMemoryError once, as the evaluation after training starts."""
        if self._once("oom_eval", self.oom_in_evaluation, 1):
            import torch

            raise torch.OutOfMemoryError("injected out-of-memory in the evaluation (test)")
