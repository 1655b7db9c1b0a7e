"""Telling a loss that exploded from one that is merely high.

A model that predicts every token uniformly at random scores ln(vocabulary size). A mean token
loss far above that means the model now does much worse than knowing nothing: the weights
were wrecked by a step (too high a learning rate, bad numerics), and training on would only
overwrite the last good checkpoint's progress. The margin is wide, so a fresh random model
(which starts near ln V) and every healthy fine-tune stay well below it.
"""

from __future__ import annotations

import math

MARGIN = 2.0


def loss_limit(vocab_size: int) -> float:
    """The mean token loss above which training is treated as diverged."""
    return MARGIN * math.log(max(vocab_size, 2))


def exploded(loss: float, vocab_size: int) -> bool:
    """True for a finite loss beyond `loss_limit` (NaN and infinity are checked separately)."""
    return math.isfinite(loss) and loss > loss_limit(vocab_size)
