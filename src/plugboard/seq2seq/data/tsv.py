"""A DataModule over the user's own parallel text: one `source<TAB>target` pair per line."""

from __future__ import annotations

from plugboard.data.pipeline import Step, Strip, Tokenize
from plugboard.data.tsv import TsvFileDataModule
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule


class TsvDataModule(TsvFileDataModule, Seq2SeqDataModule):
    """Reads a UTF-8 file of `source<TAB>target` lines, runs the pipeline, and splits by `seed`.

    The split is over distinct sources (as tokens, after the pipeline), so a source never
    appears in both training and evaluation (the same rule GeneratedDataModule follows). The
    default pipeline makes every character a token; `data.pipeline` says otherwise (see
    configs/data/tsv.yaml). Empty lines are skipped and counted, like every line set aside
    (`plugboard.data.tsv.read_two_columns`); there is no `test_long` split.
    """

    columns = ("source", "target")
    kind = "parallel text"

    def default_pipeline(self) -> list[Step]:
        return [Strip(collapse=False), Tokenize(split="characters")]
