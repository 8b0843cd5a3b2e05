"""The interface every encoder implements."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn


class EncoderOutput(NamedTuple):
    """What a decoder reads from the encoder."""

    states: torch.Tensor  # [B, S, output_size]: keys and values for attention
    summary: torch.Tensor  # [B, output_size]: one vector per sequence, to start the decoder


class Encoder(nn.Module):
    """forward(tokens [B, S] long, mask [B, S] bool) -> EncoderOutput."""

    output_size: int

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> EncoderOutput:
        raise NotImplementedError
