"""Your own labelled text: one `text<TAB>label` pair per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from plugboard.classifier.data.datamodule import ClassificationDataModule, LabelledExample
from plugboard.data.tsv import read_two_columns, split_groups

Tokenizer = Literal["char", "whitespace"]


class LabelledTsvDataModule(ClassificationDataModule):
    """Reads a UTF-8 file of `text<TAB>label` lines and splits it by `seed`.

    The split is over distinct texts, so a text never appears in both training and
    evaluation. `tokenizer="char"` makes every character a token (spaces included);
    `"whitespace"` splits on runs of whitespace. Blank lines are skipped; no `test_long` split.
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
        self.path, self.tokenizer, self.seed = Path(path), tokenizer, seed
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def describe(self) -> str:
        return str(self.path)

    def load_examples(self) -> dict[str, list[LabelledExample]]:
        groups: dict[tuple[str, ...], list[LabelledExample]] = {}
        for text, label in read_labelled_lines(self.path):
            tokens = self.tokenize(text)
            groups.setdefault(tuple(tokens), []).append((tokens, label))
        what = f"distinct texts in {self.path}"
        return split_groups(groups, self.seed, self.val_fraction, self.test_fraction, what)

    def tokenize(self, text: str) -> list[str]:
        return list(text) if self.tokenizer == "char" else text.split()


def read_labelled_lines(path: Path) -> list[tuple[str, str]]:
    """The (text, label) strings of a labelled TSV file."""
    return read_two_columns(path, ("text", "label"), "labelled text")
