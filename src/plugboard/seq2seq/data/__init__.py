"""The seq2seq family's data: DataModules, the batch format and task generators."""

from plugboard.seq2seq.data.batch import Seq2SeqBatch, collate
from plugboard.seq2seq.data.cmudict import CmudictDataModule
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.data.generated import GeneratedDataModule
from plugboard.seq2seq.data.scan import ScanDataModule
from plugboard.seq2seq.data.tsv import TsvDataModule

__all__ = [
    "CmudictDataModule",
    "GeneratedDataModule",
    "ScanDataModule",
    "Seq2SeqBatch",
    "Seq2SeqDataModule",
    "TsvDataModule",
    "collate",
]
