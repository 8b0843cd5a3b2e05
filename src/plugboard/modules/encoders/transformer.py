"""Transformer encoder (Vaswani et al., 2017), pre-norm."""

from __future__ import annotations

import math

import torch
from torch import nn

from plugboard.modules.encoders.base import Encoder, EncoderOutput


def sinusoidal_positions(length: int, size: int, device: torch.device | None = None) -> torch.Tensor:
    """[length, size] fixed encodings: sin on even features, cos on odd ones.

    Computed on the fly rather than stored, so there is no maximum length and nothing extra
    in the checkpoint.
    """
    positions = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
    frequencies = torch.exp(
        torch.arange(0, size, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / size)
    )
    encodings = torch.zeros(length, size, device=device)
    encodings[:, 0::2] = torch.sin(positions * frequencies)
    encodings[:, 1::2] = torch.cos(positions * frequencies)[:, : size // 2]
    return encodings


class TransformerEncoder(Encoder):
    """Embedding * sqrt(d) + sinusoidal positions -> pre-norm self-attention layers.

    `summary` is the mean of the states of the real tokens (a transformer has no final
    hidden state); the recurrent decoder starts from it, the transformer decoder ignores it.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        num_layers: int = 2,
        num_heads: int = 4,
        feedforward_size: int = 256,
        dropout: float = 0.1,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size ({hidden_size}) must be divisible by num_heads ({num_heads}).")
        self.output_size = self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            hidden_size,
            num_heads,
            feedforward_size,
            dropout,
            batch_first=True,
            norm_first=True,
        )
        # Pre-norm layers leave their output unnormalised, hence the final LayerNorm. Nested
        # tensors are an inference shortcut that norm_first layers cannot use anyway.
        self.layers = nn.TransformerEncoder(
            layer, num_layers, norm=nn.LayerNorm(hidden_size), enable_nested_tensor=False
        )

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> EncoderOutput:
        positions = sinusoidal_positions(tokens.shape[1], self.hidden_size, tokens.device)
        embedded = self.embedding(tokens) * math.sqrt(self.hidden_size) + positions
        # Our masks say True = real token; nn.TransformerEncoder's key_padding_mask says
        # True = ignore this key. Convert here, at the one place the two conventions meet.
        states = self.layers(self.dropout(embedded), src_key_padding_mask=~mask)
        weights = mask.unsqueeze(-1).to(states.dtype)
        summary = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        return EncoderOutput(states, summary)
