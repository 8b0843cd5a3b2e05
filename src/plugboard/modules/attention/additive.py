"""Bahdanau additive ("concat") attention."""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared
from plugboard.modules.attention.energy import tanh_energy


class AdditiveAttention(Attention):
    """score(q, k_s) = v^T tanh(W_q q + W_k k_s)  (Bahdanau et al., 2015; Luong's "concat").

    W_k k_s does not depend on the query: `prepare` computes it once per sequence. The tanh
    is computed through a sigmoid (`tanh_energy`), the same function at a fraction of the cost.
    """

    def __init__(
        self, query_size: int, key_size: int, value_size: int | None = None, hidden_size: int = 128
    ) -> None:
        super().__init__(query_size, key_size, value_size)
        self.query_projection = nn.Linear(query_size, hidden_size, bias=False)
        self.key_projection = nn.Linear(key_size, hidden_size, bias=True)
        self.energy = nn.Linear(hidden_size, 1, bias=False)

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        # keys [B, S, hidden], doubled for `tanh_energy`
        return Prepared(2.0 * self.key_projection(keys), values)

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        # [B, 1, S, H] + 2 [B, T, 1, H] -> [B, T, S, H] -> [B, T, S]; keys projected and doubled
        doubled = torch.add(keys.unsqueeze(1), self.query_projection(query).unsqueeze(2), alpha=2.0)
        return tanh_energy(doubled, self.energy)
