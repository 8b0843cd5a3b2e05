"""Your own labelled text: one `text<TAB>label` pair per line."""

from __future__ import annotations

from plugboard.classifier.data.datamodule import ClassificationDataModule
from plugboard.data.pipeline import Step, Strip, Tokenize
from plugboard.data.tsv import TsvFileDataModule


class LabelledTsvDataModule(TsvFileDataModule, ClassificationDataModule):
    """Reads a UTF-8 file of `text<TAB>label` lines and splits it by `seed`.

    The split is over distinct texts, so a text never appears in both training and
    evaluation. The default pipeline strips both sides and makes every character of the text a
    token; `data.pipeline` says otherwise (configs/data/labelled_tsv.yaml splits on whitespace).
    Empty lines are skipped and counted, like every line set aside
    (`plugboard.data.tsv.read_two_columns`); no `test_long` split.
    """

    columns = ("text", "label")
    kind = "labelled text"

    def default_pipeline(self) -> list[Step]:
        return [Strip(collapse=False), Tokenize(side="source", split="characters")]
