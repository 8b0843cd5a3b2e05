"""The interface every decoder implements.

A decoder is driven one step at a time by the decoding algorithms (greedy, beam search)
and all at once under teacher forcing. Its state is a dict of batch-first tensors, so beam
search can reorder or repeat any state without knowing what is inside. What every step
reads from the encoder output (an attention's projected keys) is prepared once per
sequence by `prepare`, kept by the caller next to the encoder output, and passed back to
every `step`: also a dict of batch-first tensors, tiled by beam search like the encoder
states.
"""

from __future__ import annotations

import torch
from torch import nn

from plugboard.modules.encoders.base import EncoderOutput

DecoderState = dict[str, torch.Tensor]
PreparedSource = dict[str, torch.Tensor]  # computed from the encoder output once per sequence


class Decoder(nn.Module):
    vocab_size: int

    def prepare(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> PreparedSource:
        """What the steps of a sequence share, computed once (by default nothing)."""
        return {}

    def init_state(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> DecoderState:
        raise NotImplementedError

    def step(
        self,
        tokens: torch.Tensor,
        state: DecoderState,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        prepared: PreparedSource,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        """tokens [B] (the previous output) -> logits [B, V], new state, weights [B, S].

        `prepared` is `prepare(encoded, source_mask)`, computed once for the whole sequence.
        """
        raise NotImplementedError

    def forward(
        self,
        inputs: torch.Tensor,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        teacher_forcing_ratio: float = 1.0,
    ) -> torch.Tensor:
        """inputs [B, T] (`<bos>` + target[:-1]) -> logits [B, T, V].

        With `teacher_forcing_ratio < 1` each step feeds, per sequence, the gold token with
        that probability and the model's own previous prediction otherwise.
        """
        prepared, state = self.prepare(encoded, source_mask), self.init_state(encoded, source_mask)
        step_logits, tokens = [], inputs[:, 0]
        for t in range(inputs.shape[1]):
            if t > 0 and teacher_forcing_ratio < 1.0:
                use_gold = torch.rand(inputs.shape[0], device=inputs.device) < teacher_forcing_ratio
                tokens = torch.where(use_gold, inputs[:, t], step_logits[-1].argmax(dim=-1))
            elif t > 0:
                tokens = inputs[:, t]
            logits, state, _ = self.step(tokens, state, encoded, source_mask, prepared, need_weights=False)
            step_logits.append(logits)
        return torch.stack(step_logits, dim=1)
