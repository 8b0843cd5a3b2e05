"""No attention: the baseline that every attention variant should beat."""

from __future__ import annotations

import torch

from plugboard.modules.attention.base import Attention


class NoAttention(Attention):
    """A fixed context: the mean of the encoder states, the same at every decoder step.

    weights = mask / |mask|, context = sum_s weights_s * v_s. Like the encoder-decoder of
    Cho et al. (2014), the decoder sees one summary of the source; it cannot look back.
    """

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        return query.new_zeros(query.shape[0], query.shape[1], keys.shape[1])
