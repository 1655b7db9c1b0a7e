"""The processes of one training run: one, or several started by `accelerate launch`.

Under `accelerate launch --multi_gpu --num_processes N -m engine train ...` (torchrun
underneath) every process runs the same command. Hugging Face accelerate joins them (gloo on
the CPU, NCCL on GPUs) and places each on its GPU; this module is the loop's whole view of
them, so the loop reads the same for one process and for eight:

- every process builds the same step plan and takes its share of each step's rows
  (`share`); its loss is divided by the whole step's trained tokens, so summing the
  gradients over the processes (`sum_gradients`) gives exactly a one-process step: the
  effective batch and the learning-rate schedule do not change with the process count;
- process 0 alone reads stdin, writes the run folder, the events and the checkpoints; its
  stop / pause / cancel reach the others at the start of each step (`requests`);
- a process that dies ends the run: the others get a typed PROCESS_LOST error (see
  `lost_process`), and the last checkpoint, written atomically by process 0, stays intact.

With one process every method is a no-op and nothing of torch.distributed is touched.
See docs/server.md.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from engine.contract.errors import EngineError, ErrorKind
from engine.train.control import ControlState

if TYPE_CHECKING:
    from accelerate import Accelerator

T = TypeVar("T")
# How often process 0 tells the others "still paused": well inside the collectives' timeout,
# so a pause may last as long as the user likes.
PAUSE_HEARTBEAT_SECONDS = 5.0
# A process that stops answering (not dead, just stuck) fails the run after this long.
COLLECTIVE_TIMEOUT = timedelta(minutes=30)


def launched_rank() -> int:
    """This process's index as set by torchrun / accelerate launch (0 when run plainly)."""
    return int(os.environ.get("RANK", "0") or 0)


def launched_processes() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


@dataclass(frozen=True)
class Requests:
    """What the user asked for, as process 0 saw it at the start of a step."""

    paused: bool = False
    stop: bool = False
    cancel: bool = False


@dataclass(frozen=True)
class Ranks:
    """This process's place among the run's processes."""

    index: int = 0
    count: int = 1
    accelerator: Accelerator | None = None

    @classmethod
    def join(cls) -> Ranks:
        """One process, or join the others that `accelerate launch` started beside it."""
        if launched_processes() <= 1:
            return cls()
        import torch
        from accelerate import Accelerator, InitProcessGroupKwargs

        # cpu=True where there is no GPU: accelerate then runs MULTI_CPU over gloo.
        try:
            accelerator = Accelerator(
                cpu=not torch.cuda.is_available(),
                kwargs_handlers=[InitProcessGroupKwargs(timeout=COLLECTIVE_TIMEOUT)],
            )
        except RuntimeError as exc:  # accelerate refuses the launch's settings here
            raise EngineError(
                ErrorKind.BAD_CONFIG,
                "This computer cannot train with the settings the run was launched with. "
                "The FSDP settings (accelerate/fsdp-qlora.yaml) need GPUs: without them, "
                "start the run with ./launch.sh.",
                str(exc),
            ) from exc
        return cls(accelerator.process_index, accelerator.num_processes, accelerator)

    @property
    def main(self) -> bool:
        return self.index == 0

    def share(self, rows: list[T]) -> list[T]:
        """This process's rows of a step: every count-th, starting at its index."""
        return rows[self.index :: self.count]

    @contextlib.contextmanager
    def main_first(self) -> Iterator[None]:
        """Process 0 does the block first (building the demo model, a download), then the rest."""
        if self.count > 1 and not self.main:
            self._collective(self._barrier)
        yield
        if self.count > 1 and self.main:
            self._collective(self._barrier)

    def requests(self, control: ControlState) -> Requests:
        """Process 0's stop / pause / cancel, the same on every process."""
        mine = Requests(control.paused, control.stop_requested, control.cancel_requested)
        if self.count == 1:
            return mine
        flags = self._broadcast([float(mine.paused), float(mine.stop), float(mine.cancel)])
        return Requests(*(bool(flag) for flag in flags))

    def wait_while_paused(self, control: ControlState) -> Requests:
        """Block until process 0 is resumed (or stopped); the others wait in step with it."""
        while True:
            if self.main:
                timeout = None if self.count == 1 else PAUSE_HEARTBEAT_SECONDS
                control.wait_while_paused(timeout)
            requests = self.requests(control)
            if not requests.paused:
                return requests

    def any(self, flag: bool) -> bool:
        """True on every process if it is true on any (an out-of-memory retry is taken together)."""
        if self.count == 1:
            return flag
        return self._sum([float(flag)])[0] > 0

    def total(self, loss: Any, tokens: int) -> tuple[Any, int]:
        """A step's loss and real tokens summed over the processes."""
        if self.count == 1:
            return loss, tokens
        import torch

        local = torch.zeros(2, dtype=torch.float64, device=self._device())
        local[0] = loss if loss is not None else 0.0
        local[1] = tokens
        summed = self._reduce(local)
        return summed[0], int(summed[1].item())

    def sum_gradients(self, parameters: list[Any]) -> None:
        """Add up the processes' gradients, in one message (LoRA gradients are small)."""
        if self.count == 1:
            return
        import torch

        for p in parameters:
            if p.grad is None:  # this process had no rows in the step
                p.grad = torch.zeros_like(p)
        flat = torch.cat([p.grad.reshape(-1).float() for p in parameters])
        flat = self._reduce(flat)
        offset = 0
        for p in parameters:
            size = p.grad.numel()
            p.grad.copy_(flat[offset : offset + size].view_as(p.grad))
            offset += size

    def same_weights(self, parameters: list[Any]) -> None:
        """Give every process process 0's trainable weights (they start, and stay, equal)."""
        if self.count == 1:
            return
        import torch.distributed as dist

        for p in parameters:
            self._collective(lambda p=p: dist.broadcast(p.data, src=0))

    def sums(self, values: list[float]) -> list[float]:
        """Plain numbers summed over the processes (held-out loss and token counts)."""
        return values if self.count == 1 else self._sum(values)

    def close(self) -> None:
        """Leave the process group before exiting: a gloo group torn down by the interpreter's
        exit can abort the process ("terminate called without an active exception")."""
        if self.count == 1:
            return
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    # The collectives, each turning a lost peer into a typed error.

    def _device(self) -> Any:
        assert self.accelerator is not None
        return self.accelerator.device

    def _sum(self, values: list[float]) -> list[float]:
        import torch

        summed = self._reduce(torch.tensor(values, dtype=torch.float64, device=self._device()))
        return [float(v) for v in summed.tolist()]

    def _reduce(self, tensor: Any) -> Any:
        import torch.distributed as dist

        self._collective(lambda: dist.all_reduce(tensor, op=dist.ReduceOp.SUM))
        return tensor

    def _broadcast(self, values: list[float]) -> list[float]:
        import torch
        import torch.distributed as dist

        tensor = torch.tensor(values, dtype=torch.float64, device=self._device())
        self._collective(lambda: dist.broadcast(tensor, src=0))
        return [float(v) for v in tensor.tolist()]

    def _barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()

    def _collective(self, call: Any) -> None:
        try:
            call()
        except (RuntimeError, ConnectionError) as exc:  # gloo / NCCL: a peer went away
            raise lost_process(str(exc)) from exc


def lost_process(detail: str) -> EngineError:
    return EngineError(
        ErrorKind.PROCESS_LOST,
        "One of the training processes stopped, so the run stopped too. The last checkpoint "
        "is kept: resume the run to continue from it.",
        detail,
    )
