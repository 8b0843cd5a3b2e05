"""Decoding algorithms over the decoder interface (`init_state` / `step`)."""

from plugboard.decoding.beam import beam_search
from plugboard.decoding.greedy import greedy_decode
from plugboard.decoding.hypotheses import Hypotheses

__all__ = ["Hypotheses", "beam_search", "greedy_decode"]
