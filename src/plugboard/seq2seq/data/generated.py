"""A DataModule over a generated task, deterministic given `seed`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from plugboard.core.errors import ConfigError
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.data.tasks.base import Example, Task


class GeneratedDataModule(Seq2SeqDataModule):
    """Draws each split from its own seeded generator.

    The data seed is separate from the training seed, so every run of a sweep sees the same
    data. Evaluation examples whose source also occurs in training are redrawn, so test
    scores measure generalisation rather than memory.
    """

    def __init__(
        self,
        task: Task,
        train_size: int = 10_000,
        val_size: int = 500,
        test_size: int = 1_000,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        self.task = task
        self.sizes = {"train": train_size, "val": val_size, "test": test_size, "test_long": test_size}
        self.seed = seed

    def tokenize(self, text: str) -> list[str]:
        return self.task.tokenize(text)

    def detokenize(self, tokens: Sequence[str]) -> str:
        return self.task.detokenize(tokens)

    def load_examples(self) -> dict[str, list[Example]]:
        train = self._draw("train", set())
        seen = {tuple(source) for source, _ in train}
        splits = {"train": train, "val": self._draw("val", seen), "test": self._draw("test", seen)}
        if self.task.has_long_split:
            splits["test_long"] = self._draw("test_long", seen)
        return splits

    def _draw(self, split: str, excluded: set[tuple[str, ...]]) -> list[Example]:
        rng = random.Random(f"{self.seed}-{split}")
        size, long = self.sizes[split], split == "test_long"
        examples: list[Example] = []
        for _ in range(50 * size):
            if len(examples) == size:
                return examples
            source, target = self.task.sample(rng, long=long)
            if tuple(source) not in excluded:
                examples.append((source, target))
        raise ConfigError(
            f"Could not draw {size} '{split}' examples unseen in training: the task has too few "
            f"distinct inputs for these sizes. Lower data.{'test' if long else split}_size "
            "or widen the task's lengths."
        )
