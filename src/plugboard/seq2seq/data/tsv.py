"""A DataModule over the user's own parallel text: one `source<TAB>target` pair per line."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from plugboard.core.errors import DataError
from plugboard.data.tsv import read_two_columns
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.data.tasks.base import Example

Tokenizer = Literal["char", "whitespace"]


class TsvDataModule(Seq2SeqDataModule):
    """Reads a UTF-8 file of `source<TAB>target` lines and splits it by `seed`.

    The split is over distinct sources, so a source never appears in both training and
    evaluation (the same rule GeneratedDataModule follows). `tokenizer="char"` makes every
    character a token (spaces included); `"whitespace"` splits on runs of whitespace. Spaces
    around each side are dropped and blank lines skipped; there is no `test_long` split.
    """

    def __init__(
        self,
        path: str | Path,
        tokenizer: Tokenizer = "char",
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        if tokenizer not in ("char", "whitespace"):
            raise ValueError(f"tokenizer must be 'char' or 'whitespace', got {tokenizer!r}.")
        if min(val_fraction, test_fraction) < 0 or val_fraction + test_fraction >= 1:
            raise ValueError("Need val_fraction >= 0, test_fraction >= 0 and their sum below 1.")
        self.path = Path(path)
        self.tokenizer = tokenizer
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.seed = seed

    def load_examples(self) -> dict[str, list[Example]]:
        groups: dict[tuple[str, ...], list[Example]] = {}
        for source, target in read_pairs(self.path):
            example = (self.tokenize(source), self.tokenize(target))
            groups.setdefault(tuple(example[0]), []).append(example)
        shuffled = list(groups.values())
        random.Random(self.seed).shuffle(shuffled)
        val_count = round(len(shuffled) * self.val_fraction)
        test_count = round(len(shuffled) * self.test_fraction)
        if val_count + test_count >= len(shuffled):
            raise DataError(
                f"{self.path} has only {len(shuffled)} distinct sources, too few to leave any "
                "for training: add lines or lower data.val_fraction / data.test_fraction."
            )
        parts = {
            "val": shuffled[:val_count],
            "test": shuffled[val_count : val_count + test_count],
            "train": shuffled[val_count + test_count :],
        }
        return {split: [ex for group in part for ex in group] for split, part in parts.items()}

    def tokenize(self, text: str) -> list[str]:
        return list(text) if self.tokenizer == "char" else text.split()

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens) if self.tokenizer == "char" else " ".join(tokens)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The (source, target) strings of a parallel TSV file."""
    return read_two_columns(path, ("source", "target"), "parallel text")
