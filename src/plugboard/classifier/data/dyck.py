"""Bracket words to classify as well nested or not (Dyck words over several bracket kinds)."""

from __future__ import annotations

import random
from typing import Any

from plugboard.classifier.data.datamodule import ClassificationDataModule, LabelledExample
from plugboard.classifier.data.dyck_words import (
    NEGATIVE,
    POSITIVE,
    bracket_pairs,
    random_dyck_word,
    random_negative,
)
from plugboard.core.errors import ConfigError, DataError
from plugboard.data.pipeline import Step, Tokenize


class DyckDataModule(ClassificationDataModule):
    """Half the words of each split are Dyck words, half the same kind of word with two
    symbols swapped (see `dyck_words`), at the same lengths; no word is in two splits.

    Lengths are even and uniform over [min_length, max_length]; `test_long` has `test_size`
    words of lengths max_length + 2 .. long_max_length, to test length generalisation.
    """

    def __init__(
        self,
        num_kinds: int = 2,
        min_length: int = 8,
        max_length: int = 24,
        long_max_length: int = 40,
        train_size: int = 4000,
        val_size: int = 500,
        test_size: int = 1000,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        bracket_pairs(num_kinds)  # checks the number of kinds now, not at setup
        if not 6 <= min_length <= max_length:
            raise ConfigError(
                f"data.min_length must be at least 6 (no shorter negative hides its error beyond "
                f"two neighbouring symbols) and at most data.max_length; got {min_length} and {max_length}."
            )
        self.num_kinds = num_kinds
        self.lengths = {
            "train": (min_length, max_length),
            "val": (min_length, max_length),
            "test": (min_length, max_length),
            "test_long": (max_length + 2, long_max_length),
        }
        self.sizes = {"train": train_size, "val": val_size, "test": test_size, "test_long": test_size}
        self.seed = seed

    def describe(self) -> str:
        return f"The Dyck task ({self.num_kinds} bracket kinds)"

    def label_names(self, examples: dict[str, list[LabelledExample]]) -> list[str]:
        return [NEGATIVE, POSITIVE]

    def default_pipeline(self) -> list[Step]:
        return [Tokenize(side="source", split="characters")]

    def read_source(self) -> dict[str, list[tuple[str, str]]]:
        """Each split's words as text ("(()[[]])") with their labels."""
        rng, seen = random.Random(self.seed), set()
        splits = {}
        for split, size in self.sizes.items():
            low, high = self.lengths[split]
            if size > 0 and high >= low:
                splits[split] = self._generate(size, low, high, rng, seen)
        return splits

    def _generate(
        self, size: int, low: int, high: int, rng: random.Random, seen: set[str]
    ) -> list[tuple[str, str]]:
        """`size` new words, balanced classes, in random order; each length draws a positive
        and, from another positive of that length, a negative."""
        examples: list[tuple[str, str]] = []
        lengths = range(low + low % 2, high + 1, 2)
        for _ in range(100 * size):
            if len(examples) >= size:
                break
            length = rng.choice(lengths)
            positive = random_dyck_word(length, self.num_kinds, rng)
            negative = random_negative(random_dyck_word(length, self.num_kinds, rng), rng)
            pair = ("".join(positive), "".join(negative or ""))
            if negative is None or pair[0] in seen or pair[1] in seen:
                continue
            seen.update(pair)
            examples += [(pair[0], POSITIVE), (pair[1], NEGATIVE)]
        if len(examples) < size:
            raise DataError(
                f"{self.describe()}: lengths {low}-{high} give too few distinct words for "
                f"{size} examples; raise data.max_length or lower the split sizes."
            )
        rng.shuffle(examples)
        return examples[:size]
