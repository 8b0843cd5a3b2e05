"""Attention pooling: a learned query attends over the encoder states, one vector per sequence."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from plugboard.core.job.logs import get_logger
from plugboard.modules.attention.base import Attention

log = get_logger(__name__)


class AttentionPooling(nn.Module):
    """context = sum_s a_s h_s,  a = softmax_s(score(q, h_s)) over the real tokens,
    with q a learned vector (Yang et al., 2016, "Hierarchical Attention Networks").

    `attention` is a partial from the `model/attention` config group, completed here with
    the encoder's size. `none` (NoAttention) gives every real token the same weight, so the
    baseline is mean pooling.
    """

    def __init__(self, size: int, attention: Callable[..., Attention]) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.randn(size) / math.sqrt(size))
        self.attention = attention(query_size=size, key_size=size, value_size=size)
        if self.attention.needs_previous_weights:
            log.warning(
                f"{type(self.attention).__name__} reads where the previous step attended, but "
                "pooling attends once: it sees no history and scores by content alone."
            )

    @property
    def output_size(self) -> int:
        return self.attention.output_size

    def forward(
        self, states: torch.Tensor, mask: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """states [B, S, H], mask [B, S] (True = real token) -> context [B, H], weights [B, S]."""
        query = self.query.to(states.dtype).expand(states.shape[0], -1)
        return self.attention(query, states, states, mask, need_weights=need_weights)
