"""A DataModule over a generated task, deterministic given `seed`."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig

from plugboard.core.errors import ConfigError
from plugboard.data.pipeline import Step, Tokenize
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
        task: Task | Mapping[str, Any],
        train_size: int = 10_000,
        val_size: int = 500,
        test_size: int = 1_000,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        # A config with `_recursive_: false` (so pipeline steps are built here, with their position
        # in errors) hands the task over as its config. Set first: the default pipeline reads it.
        self.task = instantiate(task) if isinstance(task, Mapping | DictConfig) else task
        super().__init__(**loader_options)
        self.sizes = {"train": train_size, "val": val_size, "test": test_size, "test_long": test_size}
        self.seed = seed

    def default_pipeline(self) -> list[Step]:
        return [Tokenize(split="whitespace" if self.task.separator == " " else "characters")]

    def read_source(self) -> dict[str, list[Example]]:
        """Each split drawn from the generator, as text (the task's tokens joined by its separator)."""
        train = self._draw("train", set())
        seen = {source for source, _ in train}
        splits = {"train": train, "val": self._draw("val", seen), "test": self._draw("test", seen)}
        if self.task.has_long_split:
            splits["test_long"] = self._draw("test_long", seen)
        return splits

    def _draw(self, split: str, excluded: set[str]) -> list[Example]:
        rng = random.Random(f"{self.seed}-{split}")
        size, long = self.sizes[split], split == "test_long"
        examples: list[Example] = []
        for _ in range(50 * size):
            if len(examples) == size:
                return examples
            source, target = (self.task.separator.join(part) for part in self.task.sample(rng, long=long))
            if source not in excluded:
                examples.append((source, target))
        raise ConfigError(
            f"Could not draw {size} '{split}' examples unseen in training: the task has too few "
            f"distinct inputs for these sizes. Lower data.{'test' if long else split}_size "
            "or widen the task's lengths."
        )
