"""Training batches of examples of similar length, so that little of each batch is padding.

A batch pads every example to its longest one, and the recurrent decoder and the attention
pay for every padded step. In a random batch of 256 CMUdict words half the phoneme slots
are padding; in SCAN, whose action sequences run from 1 to 48, 60 %. Sorting a random pool
of examples by length and cutting it into batches removes most of it while each epoch stays
a random draw: pools come from the shuffled order, and the batches of the whole epoch are
yielded in random order, so short and long batches alternate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import BatchSampler, Sampler


class BucketBatchSampler(BatchSampler):
    """Cuts pools of `pool_batches * batch_size` indices from `sampler`, sorted by `lengths`.

    `lengths[i]` is the sort key of example i (e.g. its target and source lengths). The
    sampler may be replaced: Lightning swaps in a `DistributedSampler` under DDP, re-creating
    this class with the same arguments, so every process buckets its own shard.
    """

    def __init__(
        self,
        sampler: Sampler[int] | Sequence[int],
        batch_size: int,
        drop_last: bool,
        lengths: Sequence[tuple[int, ...] | int],
        pool_batches: int = 100,
    ) -> None:
        super().__init__(sampler, batch_size, drop_last)
        if pool_batches < 1:
            raise ValueError(f"pool_batches must be at least 1, got {pool_batches}")
        self.lengths = lengths
        self.pool_batches = pool_batches

    def __iter__(self) -> Iterator[list[int]]:
        indices = list(self.sampler)
        pool_size = self.batch_size * self.pool_batches
        batches: list[list[int]] = []
        for start in range(0, len(indices), pool_size):
            pool = sorted(indices[start : start + pool_size], key=self.lengths.__getitem__)
            batches += [
                pool[first : first + self.batch_size] for first in range(0, len(pool), self.batch_size)
            ]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()  # pools hold whole batches, so only the very last one can be short
        for position in torch.randperm(len(batches)).tolist():
            yield batches[position]
