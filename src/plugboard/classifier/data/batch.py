"""The batch every classification DataModule yields, and the collate function that builds it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch.nn.utils.rnn import pad_sequence

#: An example as the loaders hold it: its index in its split, then (token ids, label id).
IndexedExample = tuple[int, tuple[torch.Tensor, torch.Tensor]]


class ClassificationBatch(NamedTuple):
    """Padded token ids, their mask (True = real token), one label id per sequence, and each
    example's index in its split (a stable id, written next to its test outcome)."""

    tokens: torch.Tensor  # [B, S] long
    mask: torch.Tensor  # [B, S] bool
    labels: torch.Tensor  # [B] long
    ids: torch.Tensor  # [B] long


def collate(items: Sequence[IndexedExample], pad_id: int = 0) -> ClassificationBatch:
    """Pads pre-tensorised (index, (token ids, label id)) items into a `ClassificationBatch`."""
    tokens = pad_sequence([tokens for _, (tokens, _) in items], batch_first=True, padding_value=pad_id)
    labels = torch.stack([label for _, (_, label) in items])
    ids = torch.tensor([index for index, _ in items], dtype=torch.long)
    return ClassificationBatch(tokens, tokens != pad_id, labels, ids)
