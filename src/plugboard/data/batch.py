"""The one batch format every task yields, and the collate function that builds it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch.nn.utils.rnn import pad_sequence


class Seq2SeqBatch(NamedTuple):
    """Padded id tensors and their masks (True = real token).

    `target` ends with `<eos>`; the decoder's input is `<bos>` followed by `target[:, :-1]`.
    """

    source: torch.Tensor  # [B, S] long
    source_mask: torch.Tensor  # [B, S] bool
    target: torch.Tensor  # [B, T] long
    target_mask: torch.Tensor  # [B, T] bool


def collate(examples: Sequence[tuple[torch.Tensor, torch.Tensor]], pad_id: int = 0) -> Seq2SeqBatch:
    """Pads pre-tensorised (source, target) pairs into a `Seq2SeqBatch`."""
    sources = pad_sequence([source for source, _ in examples], batch_first=True, padding_value=pad_id)
    targets = pad_sequence([target for _, target in examples], batch_first=True, padding_value=pad_id)
    return Seq2SeqBatch(sources, sources != pad_id, targets, targets != pad_id)
