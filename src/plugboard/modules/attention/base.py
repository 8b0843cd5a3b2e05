"""The interface every attention variant implements.

    prepare(keys, values, mask) -> Prepared
        what the variant computes from the encoder output alone (projected keys, heads),
        once per sequence; the default computes nothing and hands the keys and values on
    forward(query, keys, values, mask, previous_weights=None, need_weights=True, prepared=None)
        query   [B, H_q] (one decoder step) or [B, T, H_q] (T queries at once)
        keys    [B, S, H_k], values [B, S, H_v]
        mask    [B, S] bool, True = real token
        prepared  what `prepare(keys, values, mask)` returned; None = prepare them now
        -> context [B, H_v] or [B, T, H_v], weights [B, S] or [B, T, S] (None if not needed)

Masked positions get exactly zero weight and the weights of a row sum to one. Modules are
stateless between calls: history (the previous step's weights) is passed in, and what is
precomputed from the keys is returned by `prepare` and passed back in by the decoder at
every step, never kept on the module. A decoder that called the module with raw keys at
every step would repeat a key projection (S x H^2) T times over a target of length T.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn


class Prepared(NamedTuple):
    """What `prepare` computed from the encoder states, handed back to `score` / `attend` at
    every step in place of the raw keys and values.

    keys: the keys as `score` reads them: the encoder states themselves (dot, general, scaled
        dot-product, none), their projection W_k k + b and nothing more (additive, location),
        or the key heads (multi-head).
    values: what the weights average into the context: the encoder states themselves, or the
        value heads (multi-head).

    Both are batch-first, so decoding can tile and reorder them with the encoder states.
    """

    keys: torch.Tensor  # [B, S, H_k], [B, S, hidden] (projected) or [B, heads, S, d_h]
    values: torch.Tensor  # [B, S, H_v] or [B, heads, S, d_h]


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dim with masked positions at exactly zero.

    Uses the dtype's minimum rather than -inf, so a fully masked row gives zeros, not NaN,
    and the fill value is safe under fp16/bf16.
    """
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)


class Attention(nn.Module):
    """Base class: subclasses implement `score` (or override `attend` entirely), and `prepare`
    when part of the work depends on the keys or values only."""

    #: True for variants that read the previous step's weights (location-aware, coverage).
    needs_previous_weights = False
    #: True for variants that compare query and key directly (dot products without parameters).
    needs_equal_sizes = False

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
        self.value_size = key_size if value_size is None else value_size

    @property
    def output_size(self) -> int:
        """Size of the context vector."""
        return self.value_size

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        """What every query of a sequence shares, computed once: by default nothing."""
        return Prepared(keys, values)

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor,
        previous_weights: torch.Tensor | None = None,
        need_weights: bool = True,
        prepared: Prepared | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """With `prepared`, `keys` and `values` are not read again: a decoder passes the value
        it prepared once per sequence; a one-off call leaves it None."""
        if prepared is None:
            prepared = self.prepare(keys, values, mask)
        one_step = query.dim() == 2
        if one_step:
            query = query.unsqueeze(1)
            if previous_weights is not None:
                previous_weights = previous_weights.unsqueeze(1)
        context, weights = self.attend(
            query, prepared.keys, prepared.values, mask, previous_weights, need_weights
        )
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
        """Batched-query form: query [B, T, H_q] -> context [B, T, H_v], weights [B, T, S].
        `keys` and `values` are as `prepare` returned them."""
        scores = self.score(query, keys, previous_weights)
        weights = masked_softmax(scores, mask.unsqueeze(1))
        return weights @ values, weights

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        """Unnormalised scores [B, T, S] from queries and the keys as `prepare` returned them."""
        raise NotImplementedError


def require_equal_sizes(query_size: int, key_size: int, name: str) -> None:
    """Parameter-free variants compare query and key directly, so their sizes must match."""
    if query_size != key_size:
        raise ValueError(
            f"{name} attention compares decoder and encoder states directly, so their sizes must "
            f"match (query {query_size} vs key {key_size}). Use model/attention=general or "
            f"additive, or make the encoder output size equal to the decoder hidden size (a "
            f"bidirectional recurrent encoder: model.encoder.output_projection=true)."
        )
