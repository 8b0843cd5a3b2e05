"""Your own labelled text: one `text<TAB>label` pair per line."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Literal

from plugboard.classifier.data.datamodule import ClassificationDataModule, LabelledExample
from plugboard.core.errors import DataError, MissingFileError

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
        shuffled = list(groups.values())
        random.Random(self.seed).shuffle(shuffled)
        val_count = round(len(shuffled) * self.val_fraction)
        test_count = round(len(shuffled) * self.test_fraction)
        if val_count + test_count >= len(shuffled):
            raise DataError(
                f"{self.path} has only {len(shuffled)} distinct texts, too few to leave any for "
                "training: add lines or lower data.val_fraction / data.test_fraction."
            )
        parts = {
            "val": shuffled[:val_count],
            "test": shuffled[val_count : val_count + test_count],
            "train": shuffled[val_count + test_count :],
        }
        return {split: [example for group in part for example in group] for split, part in parts.items()}

    def tokenize(self, text: str) -> list[str]:
        return list(text) if self.tokenizer == "char" else text.split()


def read_labelled_lines(path: Path) -> list[tuple[str, str]]:
    """The (text, label) strings of a TSV file, with errors that name the line to fix."""
    if not path.is_file():
        raise MissingFileError(
            f"No labelled text file at {path}: set data.path to a UTF-8 file with one "
            "'text<TAB>label' pair per line."
        )
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(
                f"{path}, line {number}: expected exactly one tab between text and label but "
                f"found {len(fields) - 1}; separate the two with a single tab character."
            )
        text, label = (field.strip() for field in fields)
        for side, value in (("text", text), ("label", label)):
            if not value:
                raise DataError(
                    f"{path}, line {number}: the {side} is empty; write a text and its label "
                    "on each side of the tab or delete the line."
                )
        pairs.append((text, label))
    if not pairs:
        raise DataError(f"{path}, line 1: the file has no examples; add one 'text<TAB>label' pair per line.")
    return pairs
