"""Decoding algorithms over the decoder interface (`init_state` / `step`)."""

from plugboard.seq2seq.decoding.beam import beam_search
from plugboard.seq2seq.decoding.greedy import greedy_decode
from plugboard.seq2seq.decoding.hypotheses import Hypotheses

__all__ = ["Hypotheses", "beam_search", "greedy_decode"]
