"""Greedy decoding: the most likely token at every step."""

from __future__ import annotations

import torch

from plugboard.modules.decoders.base import Decoder
from plugboard.modules.encoders.base import EncoderOutput
from plugboard.seq2seq.decoding.hypotheses import Hypotheses


@torch.no_grad()
def greedy_decode(
    decoder: Decoder,
    encoded: EncoderOutput,
    source_mask: torch.Tensor,
    bos_id: int,
    eos_id: int,
    pad_id: int,
    max_length: int,
) -> Hypotheses:
    """Feeds back the argmax until every sequence has produced `<eos>` or `max_length` steps.

    What the steps share (an attention's projected keys) is prepared once, before the first.
    """
    batch = source_mask.shape[0]
    prepared, state = decoder.prepare(encoded, source_mask), decoder.init_state(encoded, source_mask)
    tokens = torch.full((batch,), bos_id, dtype=torch.long, device=source_mask.device)
    finished = torch.zeros(batch, dtype=torch.bool, device=source_mask.device)
    scores = torch.zeros(batch, device=source_mask.device)
    outputs, weights = [], []
    for _ in range(max_length):
        logits, state, step_weights = decoder.step(tokens, state, encoded, source_mask, prepared)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        step_scores, tokens = log_probs.max(dim=-1)
        scores = scores + step_scores.masked_fill(finished, 0.0)
        outputs.append(tokens.masked_fill(finished, pad_id))
        weights.append(step_weights)
        finished = finished | (tokens == eos_id)
        if finished.all():
            break
    stacked_weights = torch.stack(weights, dim=1) if weights[0] is not None else None
    return Hypotheses(torch.stack(outputs, dim=1), scores, stacked_weights)
