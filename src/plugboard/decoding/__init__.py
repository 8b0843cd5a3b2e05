"""Decoding algorithms over the decoder interface (`init_state` / `step`)."""

from plugboard.decoding.greedy import greedy_decode
from plugboard.decoding.hypotheses import Hypotheses

__all__ = ["Hypotheses", "greedy_decode"]
