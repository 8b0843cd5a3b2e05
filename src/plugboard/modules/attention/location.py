"""Location-aware attention (Chorowski et al., 2015)."""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared


class LocationAwareAttention(Attention):
    """score(q, k_s) = v^T tanh(W_q q + W_k k_s + U f_s),  f = conv1d(previous weights).

    Chorowski et al. (2015), "Attention-Based Models for Speech Recognition". Convolving the
    previous step's weights tells the scorer where it looked last, which helps monotonic
    alignments (copying, reversing, speech). The decoder passes the previous weights in;
    at the first step they are zeros. W_k k_s does not depend on the step: `prepare` computes
    it once per sequence.
    """

    needs_previous_weights = True

    def __init__(
        self,
        query_size: int,
        key_size: int,
        value_size: int | None = None,
        hidden_size: int = 128,
        num_filters: int = 16,
        kernel_size: int = 7,
    ) -> None:
        super().__init__(query_size, key_size, value_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd so the filter is centred, got {kernel_size}.")
        self.query_projection = nn.Linear(query_size, hidden_size, bias=False)
        self.key_projection = nn.Linear(key_size, hidden_size, bias=True)
        self.location_conv = nn.Conv1d(1, num_filters, kernel_size, padding=kernel_size // 2, bias=False)
        self.location_projection = nn.Linear(num_filters, hidden_size, bias=False)
        self.energy = nn.Linear(hidden_size, 1, bias=False)

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        return Prepared(self.key_projection(keys), values)  # keys [B, S, hidden]

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        batch, steps, length = query.shape[0], query.shape[1], keys.shape[1]
        if previous_weights is None:
            previous_weights = keys.new_zeros(batch, steps, length)
        # [B*T, 1, S] -> conv -> [B*T, F, S] -> [B, T, S, F]
        features = self.location_conv(previous_weights.reshape(batch * steps, 1, length))
        features = features.transpose(1, 2).reshape(batch, steps, length, -1)
        # [B, T, 1, H] + [B, 1, S, H] + [B, T, S, H]; keys already projected
        hidden = (
            self.query_projection(query).unsqueeze(2) + keys.unsqueeze(1) + self.location_projection(features)
        )
        return self.energy(torch.tanh(hidden)).squeeze(-1)
