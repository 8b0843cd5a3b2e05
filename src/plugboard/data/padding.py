"""Rows of token ids brought to one length, so that outputs and targets compare position by position."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_or_cut(ids: torch.Tensor, length: int, pad_id: int) -> torch.Tensor:
    """ids [B, L] -> [B, length]: cut after `length` positions, or filled up with `pad_id`.

    Decoded outputs stop at their own length; a comparison with targets [B, T] wants T columns.
    """
    if ids.shape[1] >= length:
        return ids[:, :length]
    return F.pad(ids, (0, length - ids.shape[1]), value=pad_id)
