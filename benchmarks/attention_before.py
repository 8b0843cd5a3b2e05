"""The recurrent decoder as it was before attention was prepared once per sequence: for the
"before" arm of benchmarks/attention_prepare.py only.

`PreparedAtEveryStep` throws away what was prepared once and prepares it again at every
step, which is what the decoder used to do (the key projection ran inside `score`). For
`additive`, `location` and `multihead` that is the whole difference. `general` also changed
its arithmetic, so its old form is kept here too: it used to project every key
(q . (W k_s)) where it now projects the query ((q W) . k_s).
"""

from __future__ import annotations

import torch

from plugboard.modules.attention import GeneralAttention, Prepared
from plugboard.modules.decoders import RecurrentDecoder

# variant -> the class with the arithmetic it had before (the others kept theirs)
OLD_FORMS = {"general": "benchmarks.attention_before.GeneralBefore"}


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
