"""Location-aware attention (Chorowski et al., 2015)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared
from plugboard.modules.attention.energy import tanh_energy


class LocationAwareAttention(Attention):
    """score(q, k_s) = v^T tanh(W_q q + W_k k_s + U f_s),  f = conv1d(previous weights).

    Chorowski et al. (2015), "Attention-Based Models for Speech Recognition". Convolving the
    previous step's weights tells the scorer where it looked last, which helps monotonic
    alignments (copying, reversing, speech). The decoder passes the previous weights in;
    at the first step they are zeros. W_k k_s does not depend on the step: `prepare` computes
    it once per sequence. The parameters are those of the formula (a Conv1d and a Linear, as
    checkpoints hold them); the arithmetic is regrouped for speed (see `score`, `tanh_energy`).
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
        # keys [B, S, hidden], doubled for `tanh_energy`
        return Prepared(2.0 * self.key_projection(keys), values)

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        batch, steps, length = query.shape[0], query.shape[1], keys.shape[1]
        if previous_weights is None:
            previous_weights = keys.new_zeros(batch, steps, length)
        # The convolution as a matmul over each position's window of K previous weights,
        # [B, T, S, K] @ [K, F]: a Conv1d with one input channel is slow on the CPU, and its
        # output would need a transpose before the projection. Everything doubled for `tanh_energy`.
        half = self.location_conv.kernel_size[0] // 2
        windows = F.pad(previous_weights, (half, half)).unfold(-1, 2 * half + 1, 1)
        features = windows @ self.location_conv.weight.squeeze(1).t()  # f: [B, T, S, F]
        doubled = features @ (2.0 * self.location_projection.weight).t()  # 2 U f: [B, T, S, hidden]
        # + 2 [B, T, 1, hidden] + [B, 1, S, hidden], in place; keys already projected and doubled
        doubled.add_(self.query_projection(query).unsqueeze(2), alpha=2.0)
        doubled += keys.unsqueeze(1)
        return tanh_energy(doubled, self.energy)
