"""Scaled dot-product attention through PyTorch's fused kernel."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from plugboard.modules.attention.base import Attention, masked_softmax, require_equal_sizes


def additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[B, S] bool (True = real) -> [B, 1, S] float bias: 0 where real, dtype-min where masked.

    A float bias rather than a bool mask: a fully masked row then stays finite (no NaN).
    """
    bias = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    return bias.masked_fill(~mask, torch.finfo(dtype).min).unsqueeze(-2)


class ScaledDotProductAttention(Attention):
    """softmax(q k^T / sqrt(d)) v  (Vaswani et al., 2017). No parameters.

    Uses `torch.nn.functional.scaled_dot_product_attention` (the fused kernel) whenever the
    caller does not ask for the weights; the weights, when asked for, come from the same
    formula written out.
    """

    needs_equal_sizes = True

    def __init__(self, query_size: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__(query_size, key_size, value_size)
        require_equal_sizes(query_size, key_size, "Scaled dot-product")

    def attend(self, query, keys, values, mask, previous_weights, need_weights):
        if not need_weights:
            # As one head [B, 1, T, H]: the fused kernels take 4-D inputs only; given 3-D ones
            # torch silently runs its unfused fallback (scores written out, as below).
            bias = additive_mask(mask, query.dtype).unsqueeze(1)  # [B, 1, 1, S]
            heads = F.scaled_dot_product_attention(
                query.unsqueeze(1), keys.unsqueeze(1), values.unsqueeze(1), attn_mask=bias
            )
            return heads.squeeze(1), None
        scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
        weights = masked_softmax(scores, mask.unsqueeze(1))
        return weights @ values, weights
