"""The interface of a generated task."""

from __future__ import annotations

import random
from typing import Protocol

Example = tuple[list[str], list[str]]


class Task(Protocol):
    """Draws examples from a seeded random generator.

    `long=True` asks for the length-generalisation distribution (longer inputs than in
    training); tasks without a length axis set `has_long_split = False`.
    """

    has_long_split: bool
    #: How the tokens of an example are written as text: " " (symbols "3 14 7") or "" (characters).
    separator: str

    def sample(self, rng: random.Random, long: bool = False) -> Example: ...
