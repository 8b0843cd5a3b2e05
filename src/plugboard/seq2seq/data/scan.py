"""The SCAN task with the splits of Lake & Baroni (2018), regenerated from its grammar."""

from __future__ import annotations

import random
from typing import Any, Literal

from plugboard.core.errors import ConfigError
from plugboard.core.job.logs import get_logger
from plugboard.data.pipeline import Step, Tokenize
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.data.scan_grammar import all_examples
from plugboard.seq2seq.data.tasks.base import Example

log = get_logger(__name__)

ScanSplit = Literal["simple", "length"]
# The published splits: `simple` tests on a random 20% of the commands; `length` trains on
# commands of at most 22 actions and tests on all longer ones (24-48 actions).
SIMPLE_TEST_FRACTION = 0.2
LENGTH_MAX_TRAIN_ACTIONS = 22


class ScanDataModule(Seq2SeqDataModule):
    """Commands as words ("jump twice after walk left") -> actions ("I_TURN_LEFT I_WALK ...").

    `test` is the published test set of the chosen split, so `test/exact_match` is the figure
    to set against the paper's (~99.7% simple, ~14-21% length). There is no `test_long`: in
    the `length` split `test` itself is the longer-than-training set. Validation is a seeded
    `val_fraction` of the training commands, so it is drawn from the training distribution.
    """

    def __init__(
        self,
        split: ScanSplit = "simple",
        val_fraction: float = 0.1,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        if split not in ("simple", "length"):
            raise ConfigError(
                f"data.split={split!r} is not a SCAN split: use data.split=simple (random 80/20) "
                "or data.split=length (train on at most 22 actions, test on longer)."
            )
        if not 0 < val_fraction < 1:
            raise ConfigError(
                f"data.val_fraction={val_fraction} must be between 0 and 1 (exclusive): it is the "
                "part of the training commands held out for validation, e.g. 0.1."
            )
        self.split, self.val_fraction, self.seed = split, val_fraction, seed

    def default_pipeline(self) -> list[Step]:
        return [Tokenize(split="whitespace")]

    def read_source(self) -> dict[str, list[Example]]:
        """Every command of the grammar and its actions, as text ("jump twice" -> "I_JUMP I_JUMP")."""
        return {"grammar": [(" ".join(command), " ".join(actions)) for command, actions in all_examples()]}

    def arrange(self, parts: dict[str, list[Example]]) -> dict[str, list[Example]]:
        examples = list(parts["grammar"])
        rng = random.Random(self.seed)
        if self.split == "simple":
            rng.shuffle(examples)
            test_count = round(len(examples) * SIMPLE_TEST_FRACTION)
            test, train = examples[:test_count], examples[test_count:]
        else:
            train = [example for example in examples if len(example[1]) <= LENGTH_MAX_TRAIN_ACTIONS]
            test = [example for example in examples if len(example[1]) > LENGTH_MAX_TRAIN_ACTIONS]
            rng.shuffle(train)
        val_count = round(len(train) * self.val_fraction)
        splits = {"train": train[val_count:], "val": train[:val_count], "test": test}
        log.info(
            f"SCAN {self.split} split of {len(examples)} commands: "
            + ", ".join(f"{len(split_examples)} {name}" for name, split_examples in splits.items())
        )
        return splits
