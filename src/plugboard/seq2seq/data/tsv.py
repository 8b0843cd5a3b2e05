"""A DataModule over the user's own parallel text: one `source<TAB>target` pair per line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from plugboard.data.tsv import read_two_columns, split_groups
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
        what = f"distinct sources in {self.path}"
        return split_groups(groups, self.seed, self.val_fraction, self.test_fraction, what)

    def tokenize(self, text: str) -> list[str]:
        return list(text) if self.tokenizer == "char" else text.split()

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens) if self.tokenizer == "char" else " ".join(tokens)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The (source, target) strings of a parallel TSV file."""
    return read_two_columns(path, ("source", "target"), "parallel text")
