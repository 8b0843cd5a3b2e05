"""Users' two-column TSV files: one reader, one way to split them, and the DataModule part that
does both, shared by the families."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from plugboard.core.errors import DataError, MissingFileError
from plugboard.core.text_files import read_lines
from plugboard.data.datamodule import Parts, PipelineDataModule


class TsvFileDataModule(PipelineDataModule):
    """One UTF-8 file of `<first><TAB><second>` lines, run through the pipeline and split by `seed`.

    The split is over distinct first columns (as tokens, after the pipeline), so an input never
    appears in both training and evaluation; there is no `test_long` split. A family's TSV
    DataModule inherits from this and from its own DataModule, and names its two `columns` (for
    messages, e.g. "source", "target"), the `kind` of file and its `default_pipeline()`:
    `class TsvDataModule(TsvFileDataModule, Seq2SeqDataModule)`.
    """

    columns: tuple[str, str]
    kind: str

    def __init__(
        self,
        path: str | Path,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        seed: int = 1234,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        if min(val_fraction, test_fraction) < 0 or val_fraction + test_fraction >= 1:
            raise ValueError("Need val_fraction >= 0, test_fraction >= 0 and their sum below 1.")
        self.path, self.seed = Path(path), seed
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def describe(self) -> str:
        return str(self.path)

    def source_files(self) -> list[Path]:
        return [self.path]

    def read_source(self) -> Parts:
        return {"file": read_two_columns(self.path, self.columns, self.kind)}

    def arrange(self, parts: Parts) -> Parts:
        groups: dict[tuple[str, ...], list[Any]] = {}
        for example in parts["file"]:
            groups.setdefault(tuple(example[0]), []).append(example)
        what = f"distinct {self.columns[0]}s in {self.path}"
        return split_groups(groups, self.seed, self.val_fraction, self.test_fraction, what)


def read_two_columns(path: Path, columns: tuple[str, str], kind: str) -> list[tuple[str, str]]:
    """The (first, second) strings of each non-blank line, with errors that name the line to fix.

    `columns` names the two sides in messages ("source", "target"); `kind` names the file
    ("parallel text"). Blank lines are skipped; fields are kept as written (the data pipeline's
    `Strip` step trims them), but a field of only spaces counts as empty.
    """
    first, second = columns
    layout = f"'{first}<TAB>{second}'"
    if not path.is_file():
        raise MissingFileError(
            f"No {kind} file at {path}: set data.path to a UTF-8 file with one {layout} pair per line."
        )
    pairs = []
    for number, line in enumerate(read_lines(path, kind), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(
                f"{path}, line {number}: expected exactly one tab between {first} and {second} but "
                f"found {len(fields) - 1}; separate the two with a single tab character."
            )
        values = tuple(fields)
        for side, value in zip(columns, values, strict=True):
            if not value.strip():
                raise DataError(
                    f"{path}, line {number}: the {side} side is empty; write the {first} and the "
                    f"{second} on the two sides of the tab, or delete the line."
                )
        pairs.append(values)
    if not pairs:
        raise DataError(f"{path}, line 1: the file has no examples; add one {layout} pair per line.")
    return pairs


def split_groups(
    groups: dict[Any, list[Any]], seed: int, val_fraction: float, test_fraction: float, what: str
) -> dict[str, list[Any]]:
    """Seeded val/test/train parts of `groups` (examples sharing a key, e.g. the same source text,
    stay in one split, so no test input was seen in training); `what` names the keys in the
    error ("distinct sources in data/x.tsv")."""
    shuffled = list(groups.values())
    random.Random(seed).shuffle(shuffled)
    val_count = round(len(shuffled) * val_fraction)
    test_count = round(len(shuffled) * test_fraction)
    if val_count + test_count >= len(shuffled):
        raise DataError(
            f"Only {len(shuffled)} {what}: too few to leave any for training. Add lines or lower "
            "data.val_fraction / data.test_fraction."
        )
    parts = {
        "val": shuffled[:val_count],
        "test": shuffled[val_count : val_count + test_count],
        "train": shuffled[val_count + test_count :],
    }
    return {split: [example for group in part for example in group] for split, part in parts.items()}
