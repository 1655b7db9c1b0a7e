"""Pack examples into rows and plan every step of a run before it starts.

Several examples share a row of `sequence_length` tokens without attending to each other:
each example's position ids restart at 0, and with no attention mask given, transformers
(5.x, `masking_utils.find_packed_sequence_indices`) turns those restarts into a
block-diagonal causal mask for SDPA (and into cu_seqlens for flash attention). That avoids
building an O(T^2) 4D mask ourselves and keeps the fast attention kernels in play; the test
`test_packing.py` checks that each example gets the same logits packed as alone.

The plan is a pure function of the examples' lengths, the seed and the settings, so a
resumed run rebuilds exactly the same order and continues at the saved step. A step is a
list of rows; the micro-batch size only decides how those rows are split, which is what lets
out-of-memory recovery halve it without changing what a step learns from.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from engine.prompt_format import IGNORE, EncodedExample

Row = list[int]  # indices into the encoded examples


OPEN_ROWS = 64  # first fit looks this many rows back: near-optimal filling, linear time


def pack_rows(lengths: list[int], order: list[int], sequence_length: int) -> list[Row]:
    """Fill rows in `order`, first fit over recent rows, so short examples fill the gaps."""
    rows: list[Row] = []
    room: list[int] = []
    for index in order:
        length = min(lengths[index], sequence_length)
        start = max(0, len(room) - OPEN_ROWS)
        for row_index in range(start, len(room)):
            if length <= room[row_index]:
                rows[row_index].append(index)
                room[row_index] -= length
                break
        else:
            rows.append([index])
            room.append(sequence_length - length)
    return rows


@dataclass(frozen=True)
class StepPlan:
    steps: list[list[Row]]
    rows_per_epoch: int
    steps_per_epoch: float

    @property
    def total_steps(self) -> int:
        return len(self.steps)


def plan_steps(
    lengths: list[int],
    sequence_length: int,
    rows_per_step: int,
    epochs: float,
    seed: int,
    max_steps: int = 0,
) -> StepPlan:
    """Every step's rows for the whole run: a fresh seeded shuffle each epoch."""
    rows: list[Row] = []
    rows_per_epoch = 0
    for epoch in range(math.ceil(epochs)):
        order = list(range(len(lengths)))
        random.Random(seed * 1000 + epoch).shuffle(order)
        epoch_rows = pack_rows(lengths, order, sequence_length)
        rows_per_epoch = rows_per_epoch or len(epoch_rows)
        if epoch + 1 > epochs:  # a fractional last epoch
            epoch_rows = epoch_rows[: max(1, round(len(epoch_rows) * (epochs - epoch)))]
        rows.extend(epoch_rows)
    steps = [rows[i : i + rows_per_step] for i in range(0, len(rows), rows_per_step)]
    if max_steps:
        while len(steps) < max_steps:  # a step limit beyond the epochs keeps cycling the data
            steps.extend(steps[: max_steps - len(steps)])
        steps = steps[:max_steps]
    return StepPlan(steps, rows_per_epoch, rows_per_epoch / rows_per_step)


def eval_rows(lengths: list[int], sequence_length: int) -> list[Row]:
    """Held-out examples packed in their given order (no shuffle: the same every time)."""
    return pack_rows(lengths, list(range(len(lengths))), sequence_length)


@dataclass(frozen=True)
class Batch:
    """One micro-batch as tensors, right-padded to its longest row."""

    input_ids: Any  # LongTensor [B, T]
    position_ids: Any  # LongTensor [B, T]
    labels: Any  # LongTensor [B, T]; IGNORE where no loss
    real_tokens: int
    trained_tokens: int


def collate(rows: list[Row], examples: list[EncodedExample], pad_id: int, device: str) -> Batch:
    """Concatenate each row's examples, position ids restarting at 0 for each example."""
    import torch

    ids, positions, labels = [], [], []
    for row in rows:
        row_ids: list[int] = []
        row_pos: list[int] = []
        row_labels: list[int] = []
        for index in row:
            example = examples[index]
            row_ids += example.input_ids
            row_pos += range(len(example))
            row_labels += example.labels
        ids.append(row_ids)
        positions.append(row_pos)
        labels.append(row_labels)
    width = max(len(r) for r in ids)
    real = sum(len(r) for r in ids)
    for row_ids, row_pos, row_labels in zip(ids, positions, labels, strict=True):
        pad = width - len(row_ids)
        row_ids += [pad_id] * pad
        row_pos += range(pad)  # padding is its own "example", which attends only to itself
        row_labels += [IGNORE] * pad
    trained = sum(1 for row_labels in labels for label in row_labels if label != IGNORE)
    return Batch(
        input_ids=torch.tensor(ids, dtype=torch.long, device=device),
        position_ids=torch.tensor(positions, dtype=torch.long, device=device),
        labels=torch.tensor(labels, dtype=torch.long, device=device),
        real_tokens=real,
        trained_tokens=trained,  # counted here, not on the device: no GPU synchronisation
    )
