"""The DataLoader of one split, as both families build it: indexed examples, optional length buckets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from torch.utils.data import DataLoader, RandomSampler

from plugboard.data.bucketing import BucketBatchSampler


def split_loader(
    examples: Sequence[Any],
    collate_fn: Callable[[list[tuple[int, Any]]], Any],
    batch_size: int,
    shuffle: bool = False,
    lengths: Sequence[Any] | None = None,
    **loader_options: Any,
) -> DataLoader:
    """Batches of `(index in the split, example)` pairs: the index is the example's stable id
    (per-example test outcomes, de-duplicated under DDP). With `lengths` and `shuffle`, batches
    are drawn from length buckets (`BucketBatchSampler`); evaluation keeps the data's order."""
    if shuffle and lengths is not None:
        sampler = BucketBatchSampler(RandomSampler(examples), batch_size, False, lengths)
        batching: dict[str, Any] = {"batch_sampler": sampler}
    else:
        batching = {"batch_size": batch_size, "shuffle": shuffle}
    return DataLoader(list(enumerate(examples)), **batching, collate_fn=collate_fn, **loader_options)
