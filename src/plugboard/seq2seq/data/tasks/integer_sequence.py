"""Tasks over random sequences of integer symbols; subclasses say how the target is made."""

from __future__ import annotations

import random

from plugboard.seq2seq.data.tasks.base import Example


class IntegerSequenceTask:
    """Source: random integers in [0, num_symbols) of length min_length..max_length.

    The long split draws lengths max_length+1..long_max_length, so it shows whether a model
    learned the rule or only the training lengths. As text, symbols are separated by spaces.
    """

    has_long_split = True
    separator = " "

    def __init__(
        self, num_symbols: int = 50, min_length: int = 1, max_length: int = 25, long_max_length: int = 30
    ) -> None:
        if not 1 <= min_length <= max_length < long_max_length:
            raise ValueError("Need 1 <= min_length <= max_length < long_max_length.")
        self.num_symbols = num_symbols
        self.min_length, self.max_length, self.long_max_length = min_length, max_length, long_max_length

    def sample(self, rng: random.Random, long: bool = False) -> Example:
        low, high = (
            (self.max_length + 1, self.long_max_length) if long else (self.min_length, self.max_length)
        )
        source = [str(rng.randrange(self.num_symbols)) for _ in range(rng.randint(low, high))]
        return source, self.target(source)

    def target(self, source: list[str]) -> list[str]:
        raise NotImplementedError
