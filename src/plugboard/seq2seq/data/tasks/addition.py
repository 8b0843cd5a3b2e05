"""Add two integers written as digit characters: "357+42" -> "399"."""

from __future__ import annotations

import random

from plugboard.seq2seq.data.tasks.base import Example


class AdditionTask:
    """Source: two operands and "+" as character tokens; target: the digits of their sum.

    Carrying makes every output digit depend on input digits far away, and the long split
    (operands of max_digits+1..long_max_digits digits) tests whether the model learned the
    algorithm rather than a lookup table of short sums.
    """

    has_long_split = True
    separator = ""

    def __init__(self, min_digits: int = 1, max_digits: int = 3, long_max_digits: int = 5) -> None:
        if not 1 <= min_digits <= max_digits < long_max_digits:
            raise ValueError("Need 1 <= min_digits <= max_digits < long_max_digits.")
        self.min_digits, self.max_digits = min_digits, max_digits
        self.long_max_digits = long_max_digits

    def sample(self, rng: random.Random, long: bool = False) -> Example:
        if long:
            low, high = self.max_digits + 1, self.long_max_digits
        else:
            low, high = self.min_digits, self.max_digits
        left, right = (_number_with_digits(rng, rng.randint(low, high)) for _ in range(2))
        return list(f"{left}+{right}"), list(str(left + right))


def _number_with_digits(rng: random.Random, digits: int) -> int:
    """A uniform integer with exactly `digits` digits (one digit includes 0)."""
    return rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10**digits - 1)
