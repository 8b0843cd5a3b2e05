"""Bahdanau additive ("concat") attention."""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared


class AdditiveAttention(Attention):
    """e_s = v^T tanh(W_q q + W_k k_s + b)  (Bahdanau et al., 2015, §3.1, a() as in appendix A.1.2).

    q is the decoder state, k_s the encoder state at source position s; Luong et al. (2015)
    call this score "concat". W_k k_s + b does not depend on the query: `prepare` computes it
    once per sequence and every step reads it.
    """

    def __init__(
        self, query_size: int, key_size: int, value_size: int | None = None, hidden_size: int = 128
    ) -> None:
        super().__init__(query_size, key_size, value_size)
        self.query_projection = nn.Linear(query_size, hidden_size, bias=False)  # W_q
        self.key_projection = nn.Linear(key_size, hidden_size, bias=True)  # W_k, b
        self.energy = nn.Linear(hidden_size, 1, bias=False)  # v

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        return Prepared(self.key_projection(keys), values)  # W_k k + b: [B, S, hidden]

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        # W_q q + (W_k k + b): [B, T, 1, hidden] + [B, 1, S, hidden] -> [B, T, S, hidden]
        features = self.query_projection(query).unsqueeze(2) + keys.unsqueeze(1)
        # v^T tanh(.): [B, T, S, hidden] -> [B, T, S]. The tanh overwrites `features`, this
        # call's own tensor: a second [B, T, S, hidden] tensor at every decoder step costs
        # more than the tanh itself (allocating it), and no other value is read from it.
        return self.energy(features.tanh_()).squeeze(-1)
