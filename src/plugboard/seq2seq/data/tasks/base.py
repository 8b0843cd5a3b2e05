"""The interface of a generated task."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

Example = tuple[list[str], list[str]]


class Task(Protocol):
    """Draws examples from a seeded random generator.

    `long=True` asks for the length-generalisation distribution (longer inputs than in
    training); tasks without a length axis set `has_long_split = False`.
    """

    has_long_split: bool

    def sample(self, rng: random.Random, long: bool = False) -> Example: ...

    def tokenize(self, text: str) -> list[str]:
        """A raw source string as source tokens, split exactly as `sample` splits its sources
        (`predict.py` and `serve.py` read user text through it)."""
        ...

    def detokenize(self, tokens: Sequence[str]) -> str:
        """Target tokens (a model's output) as the string a user reads."""
        ...
