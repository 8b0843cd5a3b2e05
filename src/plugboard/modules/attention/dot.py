"""Luong dot-product attention."""

from __future__ import annotations

import torch

from plugboard.modules.attention.base import Attention, require_equal_sizes


class DotAttention(Attention):
    """score(q, k_s) = q . k_s  (Luong et al., 2015, "dot"). No parameters."""

    needs_equal_sizes = True

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__(query_size, key_size, value_size)
        require_equal_sizes(query_size, key_size, "Dot")

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        return query @ keys.transpose(1, 2)
