"""Luong bilinear ("general") attention."""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.attention.base import Attention


class GeneralAttention(Attention):
    """score(q, k_s) = q^T W k_s  (Luong et al., 2015, "general")."""

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__(query_size, key_size, value_size)
        self.key_projection = nn.Linear(key_size, query_size, bias=False)

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        return query @ self.key_projection(keys).transpose(1, 2)
