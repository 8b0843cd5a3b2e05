"""Reverse a sequence of integers (Joey NMT's toy task)."""

from __future__ import annotations

import random

from plugboard.data.tasks.base import Example


class ReverseTask:
    """Source: random integers in [0, num_symbols); target: the same sequence reversed."""

    has_long_split = True

    def __init__(
        self, num_symbols: int = 50, min_length: int = 1, max_length: int = 25, long_max_length: int = 30
    ) -> None:
        if not 1 <= min_length <= max_length < long_max_length:
            raise ValueError("Need 1 <= min_length <= max_length < long_max_length.")
        self.num_symbols = num_symbols
        self.min_length, self.max_length, self.long_max_length = min_length, max_length, long_max_length

    def sample(self, rng: random.Random, long: bool = False) -> Example:
        low, high = (self.max_length + 1, self.long_max_length) if long else (self.min_length, self.max_length)
        source = [str(rng.randrange(self.num_symbols)) for _ in range(rng.randint(low, high))]
        return source, source[::-1]
