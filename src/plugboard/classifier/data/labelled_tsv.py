"""Your own labelled text: one `text<TAB>label` pair per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugboard.classifier.data.datamodule import ClassificationDataModule, LabelledExample
from plugboard.data.pipeline import Step, Strip, Tokenize
from plugboard.data.tsv import read_two_columns, split_groups


class LabelledTsvDataModule(ClassificationDataModule):
    """Reads a UTF-8 file of `text<TAB>label` lines and splits it by `seed`.

    The split is over distinct texts, so a text never appears in both training and
    evaluation. The default pipeline strips both sides and makes every character of the text a
    token; `data.pipeline` says otherwise (configs/data/labelled_tsv.yaml splits on whitespace).
    Blank lines are skipped; no `test_long` split.
    """

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

    def default_pipeline(self) -> list[Step]:
        return [Strip(collapse=False), Tokenize(side="source", split="characters")]

    def source_files(self) -> list[Path]:
        return [self.path]

    def read_source(self) -> dict[str, list[tuple[str, str]]]:
        return {"file": read_labelled_lines(self.path)}

    def arrange(self, parts: dict[str, list[LabelledExample]]) -> dict[str, list[LabelledExample]]:
        groups: dict[tuple[str, ...], list[LabelledExample]] = {}
        for tokens, label in parts["file"]:
            groups.setdefault(tuple(tokens), []).append((tokens, label))
        what = f"distinct texts in {self.path}"
        return split_groups(groups, self.seed, self.val_fraction, self.test_fraction, what)


def read_labelled_lines(path: Path) -> list[tuple[str, str]]:
    """The (text, label) strings of a labelled TSV file."""
    return read_two_columns(path, ("text", "label"), "labelled text")
