"""A DataModule over the user's own parallel text: one `source<TAB>target` pair per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugboard.data.pipeline import Step, Strip, Tokenize
from plugboard.data.tsv import read_two_columns, split_groups
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.data.tasks.base import Example


class TsvDataModule(Seq2SeqDataModule):
    """Reads a UTF-8 file of `source<TAB>target` lines, runs the pipeline, and splits by `seed`.

    The split is over distinct sources (as tokens, after the pipeline), so a source never
    appears in both training and evaluation (the same rule GeneratedDataModule follows). The
    default pipeline makes every character a token; `data.pipeline` says otherwise (see
    configs/data/tsv.yaml). Blank lines are skipped; there is no `test_long` split.
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
        self.path = Path(path)
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.seed = seed

    def default_pipeline(self) -> list[Step]:
        return [Strip(collapse=False), Tokenize(split="characters")]

    def source_files(self) -> list[Path]:
        return [self.path]

    def read_source(self) -> dict[str, list[Example]]:
        return {"file": read_pairs(self.path)}

    def arrange(self, parts: dict[str, list[Example]]) -> dict[str, list[Example]]:
        groups: dict[tuple[str, ...], list[Example]] = {}
        for example in parts["file"]:
            groups.setdefault(tuple(example[0]), []).append(example)
        what = f"distinct sources in {self.path}"
        return split_groups(groups, self.seed, self.val_fraction, self.test_fraction, what)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The (source, target) strings of a parallel TSV file."""
    return read_two_columns(path, ("source", "target"), "parallel text")
