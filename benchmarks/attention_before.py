"""The recurrent decoder as it was before attention was prepared once per sequence: for the
"before" arm of benchmarks/attention_prepare.py only.

`PreparedAtEveryStep` throws away what was prepared once and prepares it again at every
step, which is what the decoder used to do (the key projection ran inside `score`). The
variants whose arithmetic changed as well keep their old form here:
- `general` projected every key, q . (W k_s), where it now projects the query, (q W) . k_s;
- `additive` and `location` summed their terms into new tensors and applied torch.tanh to a
  copy, where they now add into and activate one tensor in place; `location` ran a Conv1d
  over the previous weights and transposed its output, now a matmul over each position's
  window of previous weights (`conv1d_channels_last`).
"""

from __future__ import annotations

import torch

from plugboard.modules.attention import (
    AdditiveAttention,
    GeneralAttention,
    LocationAwareAttention,
    Prepared,
)
from plugboard.modules.decoders import RecurrentDecoder

# variant -> the class with the arithmetic it had before (the others kept theirs)
OLD_FORMS = {
    name: f"benchmarks.attention_before.{name.title()}Before" for name in ("general", "additive", "location")
}


class PreparedAtEveryStep(RecurrentDecoder):
    """The old path: what the attention prepares from the keys, computed again at every step."""

    def step(self, tokens, state, encoded, source_mask, prepared, need_weights=True):
        again = self.prepare(encoded, source_mask)
        return super().step(tokens, state, encoded, source_mask, again, need_weights)


class GeneralBefore(GeneralAttention):
    """score = q . (W k_s): the keys projected (by `PreparedAtEveryStep`, at every step)."""

    def prepare(self, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> Prepared:
        return Prepared(self.key_projection(keys), values)

    def score(self, query, keys, previous_weights):
        return query @ keys.transpose(1, 2)


class AdditiveBefore(AdditiveAttention):
    """v^T tanh(W_q q + W_k k_s) through torch.tanh."""

    def prepare(self, keys, values, mask):
        return Prepared(self.key_projection(keys), values)

    def score(self, query, keys, previous_weights):
        hidden = self.query_projection(query).unsqueeze(2) + keys.unsqueeze(1)
        return self.energy(torch.tanh(hidden)).squeeze(-1)


class LocationBefore(LocationAwareAttention):
    """Convolution into F channels, transpose, projection, torch.tanh."""

    def prepare(self, keys, values, mask):
        return Prepared(self.key_projection(keys), values)

    def score(self, query, keys, previous_weights):
        batch, steps, length = query.shape[0], query.shape[1], keys.shape[1]
        if previous_weights is None:
            previous_weights = keys.new_zeros(batch, steps, length)
        features = self.location_conv(previous_weights.reshape(batch * steps, 1, length))
        features = features.transpose(1, 2).reshape(batch, steps, length, -1)
        hidden = (
            self.query_projection(query).unsqueeze(2) + keys.unsqueeze(1) + self.location_projection(features)
        )
        return self.energy(torch.tanh(hidden)).squeeze(-1)
