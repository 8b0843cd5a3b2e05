"""The batch every classification DataModule yields, and the collate function that builds it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch.nn.utils.rnn import pad_sequence


class ClassificationBatch(NamedTuple):
    """Padded token ids, their mask (True = real token) and one label id per sequence."""

    tokens: torch.Tensor  # [B, S] long
    mask: torch.Tensor  # [B, S] bool
    labels: torch.Tensor  # [B] long


def collate(examples: Sequence[tuple[torch.Tensor, torch.Tensor]], pad_id: int = 0) -> ClassificationBatch:
    """Pads pre-tensorised (token ids, label id) pairs into a `ClassificationBatch`."""
    tokens = pad_sequence([example[0] for example in examples], batch_first=True, padding_value=pad_id)
    labels = torch.stack([example[1] for example in examples])
    return ClassificationBatch(tokens, tokens != pad_id, labels)
