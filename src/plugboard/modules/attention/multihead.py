"""Multi-head attention over the fused scaled dot-product kernel."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared, masked_softmax
from plugboard.modules.attention.scaled_dot import additive_mask


class MultiHeadAttention(Attention):
    """concat_h softmax(Q_h K_h^T / sqrt(d_h)) V_h, then W_o  (Vaswani et al., 2017).

    Q_h = q W_q^h, K_h = k W_k^h, V_h = v W_v^h with d_h = hidden_size / num_heads. The
    weights returned are the average over heads, as in `torch.nn.MultiheadAttention`.
    K_h and V_h do not depend on the query: `prepare` computes them once per sequence.
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        value_size: int | None = None,
        num_heads: int = 4,
        hidden_size: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(query_size, key_size, value_size)
        hidden_size = hidden_size or query_size
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size ({hidden_size}) must be divisible by num_heads ({num_heads}).")
        self.num_heads, self.dropout = num_heads, dropout
        self.query_projection = nn.Linear(query_size, hidden_size)
        self.key_projection = nn.Linear(key_size, hidden_size)
        self.value_projection = nn.Linear(self.value_size, hidden_size)
        self.output_projection = nn.Linear(hidden_size, self.value_size)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, size = x.shape
        return x.view(batch, length, self.num_heads, size // self.num_heads).transpose(1, 2)

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        # each [B, heads, S, d_h]
        return Prepared(
            self._split_heads(self.key_projection(keys)), self._split_heads(self.value_projection(values))
        )

    def attend(self, query, keys, values, mask, previous_weights, need_weights):
        q = self._split_heads(self.query_projection(query))  # [B, heads, T, d_h]; keys, values prepared
        dropout = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            scores = q @ keys.transpose(-1, -2) / math.sqrt(q.shape[-1])
            head_weights = masked_softmax(scores, mask[:, None, None, :])
            heads = F.dropout(head_weights, dropout, self.training) @ values
            weights = head_weights.mean(dim=1)
        else:
            bias = additive_mask(mask, q.dtype).unsqueeze(1)  # [B, 1, 1, S]
            heads = F.scaled_dot_product_attention(q, keys, values, attn_mask=bias, dropout_p=dropout)
        batch, _, length, _ = heads.shape
        context = heads.transpose(1, 2).reshape(batch, length, -1)
        return self.output_projection(context), weights
