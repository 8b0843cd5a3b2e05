"""Beam search: keep the `beam_size` most likely prefixes at every step."""

from __future__ import annotations

import torch

from plugboard.modules.decoders.base import Decoder, DecoderState
from plugboard.modules.encoders.base import EncoderOutput
from plugboard.seq2seq.decoding.hypotheses import Hypotheses


@torch.no_grad()
def beam_search(
    decoder: Decoder,
    encoded: EncoderOutput,
    source_mask: torch.Tensor,
    bos_id: int,
    eos_id: int,
    pad_id: int,
    max_length: int,
    beam_size: int,
    length_penalty: float = 0.0,
) -> Hypotheses:
    """The best of `beam_size` hypotheses per sequence, all sequences searched together.

    The B sequences become B*K rows (beam k of sequence b is row b*K + k): the encoder output,
    the mask and what the decoder prepared from them once per sequence (`decoder.prepare`,
    e.g. projected keys, the same for every beam of a sequence) are tiled, and the decoder
    state is reordered after each step with `index_select`, so any decoder whose state is a
    dict of batch-first tensors works. A finished beam stays in the beam and is only extended
    with `<pad>` at no cost.

    `length_penalty` (alpha) ranks hypotheses by score / ((5 + length) / 6) ** alpha (Wu et
    al., 2016), where length counts the tokens up to and including `<eos>`; 0 ranks by the
    plain score. The returned `scores` are always the plain sum of log-probabilities, so they
    compare directly with greedy decoding's.
    """
    batch, vocab = source_mask.shape[0], decoder.vocab_size
    rows = batch * beam_size
    device = source_mask.device
    tiled = EncoderOutput(*(part.repeat_interleave(beam_size, dim=0) for part in encoded))
    tiled_mask = source_mask.repeat_interleave(beam_size, dim=0)
    prepared = decoder.prepare(encoded, source_mask)
    tiled_prepared = {name: value.repeat_interleave(beam_size, dim=0) for name, value in prepared.items()}
    state = decoder.init_state(tiled, tiled_mask)

    tokens = torch.full((rows,), bos_id, dtype=torch.long, device=device)
    # Only beam 0 is live at the start: the copies at -inf keep the first step from choosing
    # the same token K times.
    scores = torch.full((batch, beam_size), float("-inf"), device=device)
    scores[:, 0] = 0.0
    scores = scores.view(rows)
    lengths = torch.zeros(rows, dtype=torch.long, device=device)
    finished = torch.zeros(rows, dtype=torch.bool, device=device)
    # A finished beam can only append <pad>, and that costs nothing.
    after_eos = torch.full((vocab,), float("-inf"), device=device)
    after_eos[pad_id] = 0.0
    outputs = torch.empty(rows, 0, dtype=torch.long, device=device)
    weights: torch.Tensor | None = None
    beam_offsets = torch.arange(batch, device=device).unsqueeze(1) * beam_size

    for _ in range(max_length):
        logits, state, step_weights = decoder.step(tokens, state, tiled, tiled_mask, tiled_prepared)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        log_probs = torch.where(finished.unsqueeze(1), after_eos, log_probs)
        candidate_scores = scores.unsqueeze(1) + log_probs  # [B*K, V]
        candidate_lengths = lengths + (~finished).long()
        ranking = candidate_scores / _penalty(candidate_lengths, length_penalty).unsqueeze(1)
        _, best = ranking.view(batch, beam_size * vocab).topk(beam_size, dim=-1)  # [B, K]
        origin = (best // vocab + beam_offsets).view(rows)
        tokens = (best % vocab).view(rows)

        scores = candidate_scores.view(batch, -1).gather(1, best).view(rows)
        lengths = candidate_lengths.index_select(0, origin)
        finished = finished.index_select(0, origin) | (tokens == eos_id)
        state = _reorder(state, origin)
        outputs = torch.cat([outputs.index_select(0, origin), tokens.unsqueeze(1)], dim=1)
        if step_weights is not None:
            step_weights = step_weights.index_select(0, origin).unsqueeze(1)
            previous = weights.index_select(0, origin) if weights is not None else None
            weights = step_weights if previous is None else torch.cat([previous, step_weights], 1)
        if finished.all():
            break

    ranking = (scores / _penalty(lengths, length_penalty)).view(batch, beam_size)
    chosen = (ranking.argmax(dim=-1) + beam_offsets.squeeze(1)).view(batch)
    chosen_weights = weights.index_select(0, chosen) if weights is not None else None
    return Hypotheses(outputs.index_select(0, chosen), scores.index_select(0, chosen), chosen_weights)


def _penalty(lengths: torch.Tensor, alpha: float) -> torch.Tensor:
    """GNMT's length normaliser ((5 + length) / 6) ** alpha; exactly 1 when alpha is 0."""
    return ((5.0 + lengths.float()) / 6.0).pow(alpha)


def _reorder(state: DecoderState, origin: torch.Tensor) -> DecoderState:
    """Row i of the new state is row origin[i] of the old one (the beam it extends)."""
    return {name: value.index_select(0, origin) for name, value in state.items()}
