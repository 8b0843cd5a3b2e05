"""Users' two-column TSV files: one reader, one way to split them, and the DataModule part that
does both, shared by the families."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated, Any

from annotated_types import Ge

from plugboard.core.errors import DataError, MissingFileError
from plugboard.core.text_files import read_lines
from plugboard.data.datamodule import Parts, PipelineDataModule
from plugboard.data.folds import check_fold, split_shuffled
from plugboard.data.pipeline.bounds import BadExamples
from plugboard.data.pipeline.set_aside import NumberedExamples, listed


class TsvFileDataModule(PipelineDataModule):
    """One UTF-8 file of `<first><TAB><second>` lines, run through the pipeline and split by `seed`.

    The split is over distinct first columns (as tokens, after the pipeline), so an input never
    appears in both training and evaluation; there is no `test_long` split. With `folds`, val is
    fold `fold` of the groups outside the test split, which stays the one made without folds
    (`plugboard.data.folds`); `val_fraction` then sizes no split. A family's TSV
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
        folds: Annotated[int, Ge(2)] | None = None,
        fold: Annotated[int, Ge(0)] = 0,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        if min(val_fraction, test_fraction) < 0 or val_fraction + test_fraction >= 1:
            raise ValueError("Need val_fraction >= 0, test_fraction >= 0 and their sum below 1.")
        check_fold(folds, fold)
        self.path, self.seed, self.folds, self.fold = Path(path), seed, folds, fold
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def describe(self) -> str:
        return str(self.path)

    def source_files(self) -> list[Path]:
        return [self.path]

    def read_source(self) -> Parts:
        bad_lines = self.pipeline.bounds.bad_examples
        return {"file": read_two_columns(self.path, self.columns, self.kind, bad_lines)}

    def arrange(self, parts: Parts) -> Parts:
        groups: dict[tuple[str, ...], list[Any]] = {}
        for example in parts["file"]:
            groups.setdefault(tuple(example[0]), []).append(example)
        what = f"distinct {self.columns[0]}s in {self.path}"
        fractions = (self.val_fraction, self.test_fraction)
        return split_groups(groups, self.seed, *fractions, what, self.folds, self.fold)


def read_two_columns(
    path: Path, columns: tuple[str, str], kind: str, bad_lines: BadExamples = "refuse"
) -> NumberedExamples:
    """The (first, second) strings of each line, numbered by their line, with errors that name the
    lines to fix.

    `columns` names the two sides in messages ("source", "target"); `kind` names the file
    ("parallel text"). An empty line is skipped; a line with an empty side, which includes a line
    of only spaces and tabs, or without exactly one tab is refused with every such line counted
    (`bad_lines="refuse"`) or dropped (`"drop"`); either way the lines set aside are counted by
    reason (`plugboard.data.pipeline.set_aside`). Fields are kept as written (the `Strip` step
    trims them).
    """
    first, second = columns
    layout = f"'{first}<TAB>{second}'"
    if not path.is_file():
        raise MissingFileError(
            f"No {kind} file at {path}: set data.path to a UTF-8 file with one {layout} pair per line."
        )
    read = NumberedExamples([], [], "line", str(path))
    problems: dict[str, str] = {}  # reason -> what is wrong with its first line
    for number, line in enumerate(read_lines(path, kind), start=1):
        reason, problem = _defect(line, columns)
        if reason is None:
            read.examples.append(tuple(line.split("\t")))
            read.numbers.append(number)
            continue
        read.set_aside.setdefault(reason, []).append(number)
        problems.setdefault(reason, problem)
    defects = {reason: numbers for reason, numbers in read.set_aside.items() if reason != BLANK}
    if defects and bad_lines == "refuse":
        raise DataError(_refusal(path, columns, defects, problems))
    if not read.examples:
        raise DataError(f"{path}, line 1: the file has no examples; add one {layout} pair per line.")
    return read


BLANK, EMPTY_SIDE, NOT_ONE_TAB = "blank lines", "lines with an empty side", "lines without exactly one tab"


def _defect(line: str, columns: tuple[str, str]) -> tuple[str | None, str]:
    """(reason, what is wrong) for a line that holds no example, or (None, "") for a good one."""
    if not line:
        return BLANK, "it is empty"
    fields = line.split("\t")
    if len(fields) != 2 and line.strip():
        return NOT_ONE_TAB, (
            f"expected exactly one tab between {columns[0]} and {columns[1]} but found {len(fields) - 1}"
        )
    empty = [side for side, value in zip(columns, fields, strict=False) if not value.strip()]
    if len(fields) != 2 or len(empty) == 2:
        return EMPTY_SIDE, "the line holds only spaces and tabs, so both sides are empty"
    if empty:
        return EMPTY_SIDE, f"the {empty[0]} side is empty"
    return None, ""


def _refusal(
    path: Path, columns: tuple[str, str], defects: dict[str, list[int]], problems: dict[str, str]
) -> str:
    """One paragraph for every defective line, each reason with its count and first lines."""
    count = sum(map(len, defects.values()))
    said = "; ".join(
        f"line {numbers[0]}: {problems[reason]} ({reason}: {len(numbers)}, at {listed(numbers, 'line')})"
        for reason, numbers in defects.items()
    )
    return (
        f"{path}, {said}. Write the {columns[0]} and the {columns[1]} on the two sides of one tab, or "
        f"delete the line{'s' if count > 1 else ''}; data.bad_examples=drop drops such lines instead, "
        "counting them in data_report.json."
    )


def split_groups(
    groups: dict[Any, list[Any]],
    seed: int,
    val_fraction: float,
    test_fraction: float,
    what: str,
    folds: int | None = None,
    fold: int = 0,
) -> dict[str, list[Any]]:
    """Seeded val/test/train parts of `groups` (examples sharing a key, e.g. the same source text,
    stay in one split, so no test input was seen in training); `what` names the keys in the
    error ("distinct sources in data/x.tsv"). With `folds`, val and train are fold `fold` of the
    groups outside the same test split (`plugboard.data.folds`)."""
    shuffled = list(groups.values())
    random.Random(seed).shuffle(shuffled)
    val_count = round(len(shuffled) * val_fraction)
    test_count = round(len(shuffled) * test_fraction)
    if val_count + test_count >= len(shuffled):
        raise DataError(
            f"Only {len(shuffled)} {what}: too few to leave any for training. Add lines or lower "
            "data.val_fraction / data.test_fraction."
        )
    parts = split_shuffled(shuffled, val_count, test_count, folds, fold)
    return {split: [example for group in part for example in group] for split, part in parts.items()}
