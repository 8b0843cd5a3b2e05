"""The interface every attention variant implements.

    forward(query, keys, values, mask, previous_weights=None, need_weights=True)
        query   [B, H_q] (one decoder step) or [B, T, H_q] (T queries at once)
        keys    [B, S, H_k], values [B, S, H_v]
        mask    [B, S] bool, True = real token
        -> context [B, H_v] or [B, T, H_v], weights [B, S] or [B, T, S] (None if not needed)

Masked positions get exactly zero weight and the weights of a row sum to one. Modules are
stateless between calls: history (the previous step's weights) is passed in, never kept.
"""

from __future__ import annotations

import torch
from torch import nn


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dim with masked positions at exactly zero.

    Uses the dtype's minimum rather than -inf, so a fully masked row gives zeros, not NaN,
    and the fill value is safe under fp16/bf16.
    """
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)


class Attention(nn.Module):
    """Base class: subclasses implement `score` (or override `attend` entirely)."""

    #: True for variants that read the previous step's weights (location-aware, coverage).
    needs_previous_weights = False

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
        self.value_size = key_size if value_size is None else value_size

    @property
    def output_size(self) -> int:
        """Size of the context vector."""
        return self.value_size

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor,
        previous_weights: torch.Tensor | None = None,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        one_step = query.dim() == 2
        if one_step:
            query = query.unsqueeze(1)
            if previous_weights is not None:
                previous_weights = previous_weights.unsqueeze(1)
        context, weights = self.attend(query, keys, values, mask, previous_weights, need_weights)
        if one_step:
            context = context.squeeze(1)
            weights = weights.squeeze(1) if weights is not None else None
        return context, weights

    def attend(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor,
        previous_weights: torch.Tensor | None,
        need_weights: bool,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Batched-query form: query [B, T, H_q] -> context [B, T, H_v], weights [B, T, S]."""
        scores = self.score(query, keys, previous_weights)
        weights = masked_softmax(scores, mask.unsqueeze(1))
        return weights @ values, weights

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        """Unnormalised scores [B, T, S]."""
        raise NotImplementedError


def require_equal_sizes(query_size: int, key_size: int, name: str) -> None:
    """Parameter-free variants compare query and key directly, so their sizes must match."""
    if query_size != key_size:
        raise ValueError(
            f"{name} attention compares decoder and encoder states directly, so their sizes must "
            f"match (query {query_size} vs key {key_size}). Use model/attention=general or "
            f"additive, or make the encoder output size equal to the decoder hidden size."
        )
