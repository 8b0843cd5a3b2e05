"""The one batch format every task yields, and the collate function that builds it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch.nn.utils.rnn import pad_sequence


class Seq2SeqBatch(NamedTuple):
    """Padded id tensors and their masks (True = real token).

    `target` ends with `<eos>`; the decoder's input is `<bos>` followed by `target[:, :-1]`.
    `references` holds every output accepted for an example (the first is `target`), for
    evaluation against several references (a word with two pronunciations); an example
    with fewer than R references has rows of padding. None means `target` is the only one.
    """

    source: torch.Tensor  # [B, S] long
    source_mask: torch.Tensor  # [B, S] bool
    target: torch.Tensor  # [B, T] long
    target_mask: torch.Tensor  # [B, T] bool
    references: torch.Tensor | None = None  # [B, R, T'] long, each row ending with <eos>
    ids: torch.Tensor | None = None  # [B] long: each example's index in its split (stable across runs)


def collate(
    examples: Sequence[tuple[torch.Tensor, ...]], pad_id: int = 0, ids: Sequence[int] | None = None
) -> Seq2SeqBatch:
    """Pads pre-tensorised (source, target) pairs into a `Seq2SeqBatch`.

    Examples may carry a third tensor, their references [R, T]; without it each target is
    its own single reference, so every batch has `references` and code that moves a batch
    field by field to a device never meets None. `ids` default to the positions in the batch.
    """
    sources = pad_sequence([example[0] for example in examples], batch_first=True, padding_value=pad_id)
    targets = pad_sequence([example[1] for example in examples], batch_first=True, padding_value=pad_id)
    if len(examples[0]) > 2:
        references = _pad_references([example[2] for example in examples], pad_id)
    else:
        references = targets.unsqueeze(1)
    ids = torch.arange(len(examples)) if ids is None else torch.tensor(list(ids), dtype=torch.long)
    return Seq2SeqBatch(sources, sources != pad_id, targets, targets != pad_id, references, ids)


def collate_indexed(items: Sequence[tuple[int, tuple[torch.Tensor, ...]]], pad_id: int = 0) -> Seq2SeqBatch:
    """`collate` for (index in the split, example) pairs: the batch carries the indices as `ids`,
    which the test step writes next to each example's outcome."""
    return collate([example for _, example in items], pad_id, ids=[index for index, _ in items])


def _pad_references(references: list[torch.Tensor], pad_id: int) -> torch.Tensor:
    count = max(rows.shape[0] for rows in references)
    length = max(rows.shape[1] for rows in references)
    padded = torch.full((len(references), count, length), pad_id, dtype=torch.long)
    for index, rows in enumerate(references):
        padded[index, : rows.shape[0], : rows.shape[1]] = rows
    return padded
