"""What a decoding algorithm returns."""

from __future__ import annotations

from typing import NamedTuple

import torch


class Hypotheses(NamedTuple):
    tokens: torch.Tensor  # [B, L] ids, each row ending in <eos> then padding (or cut at L)
    scores: torch.Tensor  # [B] total log-probability under the model
    weights: torch.Tensor | None  # [B, L, S] attention weights of each output step
