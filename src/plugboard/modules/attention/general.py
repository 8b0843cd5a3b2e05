"""Luong bilinear ("general") attention."""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.attention.base import Attention


class GeneralAttention(Attention):
    """score(q, k_s) = q^T W k_s  (Luong et al., 2015, "general").

    Computed as (q^T W) k_s, the query projected rather than the keys: the same function,
    but a decoder step costs H_q x H_k for its one query instead of S x H_q x H_k for every
    source position, and there is nothing to prepare per sequence.
    """

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__(query_size, key_size, value_size)
        # W [H_q, H_k] is this layer's weight; a Linear keeps the name checkpoints hold.
        self.key_projection = nn.Linear(key_size, query_size, bias=False)

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        # [B, T, H_q] @ [H_q, H_k] -> [B, T, H_k] @ [B, H_k, S] -> [B, T, S]
        return (query @ self.key_projection.weight) @ keys.transpose(1, 2)
