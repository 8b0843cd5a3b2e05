"""Location-aware attention (Chorowski et al., 2015)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared


class LocationAwareAttention(Attention):
    """e_s = w^T tanh(W_q q + W_k k_s + b + U f_s),  f = F * a_prev  (Chorowski et al., 2015, §2.2).

    "Attention-Based Models for Speech Recognition": the additive score plus filters f that
    convolve the previous step's weights a_prev, which tell the scorer where it looked last
    and help monotonic alignments (copying, reversing, speech). The decoder passes the
    previous weights in; at the first step they are zeros. W_k k_s + b does not depend on the
    step: `prepare` computes it once per sequence.
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
        self.query_projection = nn.Linear(query_size, hidden_size, bias=False)  # W_q
        self.key_projection = nn.Linear(key_size, hidden_size, bias=True)  # W_k, b
        # F [filters, 1, K]. `score` applies it with `conv1d_channels_last`, not this module:
        # the Conv1d holds the weight under the name and shape checkpoints have, and prints
        # as the convolution it is.
        self.location_conv = nn.Conv1d(1, num_filters, kernel_size, padding=kernel_size // 2, bias=False)
        self.location_projection = nn.Linear(num_filters, hidden_size, bias=False)  # U
        self.energy = nn.Linear(hidden_size, 1, bias=False)  # w

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        return Prepared(self.key_projection(keys), values)  # W_k k + b: [B, S, hidden]

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        if previous_weights is None:
            previous_weights = keys.new_zeros(query.shape[0], query.shape[1], keys.shape[1])
        filters = conv1d_channels_last(previous_weights, self.location_conv.weight)  # f: [B, T, S, F]
        # W_q q + (W_k k + b) + U f, added into U f's tensor [B, T, S, hidden], made by this call:
        # a new [B, T, S, hidden] tensor per term at every decoder step costs more than the adds.
        features = self.location_projection(filters)
        features += self.query_projection(query).unsqueeze(2)  # [B, T, 1, hidden]
        features += keys.unsqueeze(1)  # [B, 1, S, hidden]
        return self.energy(features.tanh_()).squeeze(-1)  # w^T tanh(.): [B, T, S]


def conv1d_channels_last(signal: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """`F.conv1d(signal, kernel, padding=K // 2)` for one input channel, with the filters last:
    signal [..., S], kernel [filters, 1, K] (K odd) -> [..., S, filters].

    Computed as a matmul of each position's window of K values with the filters,
    [..., S, K] @ [K, filters]: a Conv1d with one input channel is slow on the CPU, and its
    [N, filters, S] output would need a transpose before the projection that follows.
    """
    half = kernel.shape[-1] // 2
    windows = F.pad(signal, (half, half)).unfold(-1, kernel.shape[-1], 1)  # [..., S, K]
    return windows @ kernel.squeeze(1).t()
