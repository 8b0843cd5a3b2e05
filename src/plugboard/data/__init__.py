"""DataModules, the batch format, vocabularies and task generators."""

from plugboard.data.batch import Seq2SeqBatch, collate
from plugboard.data.cmudict import CmudictDataModule
from plugboard.data.datamodule import Seq2SeqDataModule
from plugboard.data.generated import GeneratedDataModule
from plugboard.data.scan import ScanDataModule
from plugboard.data.tsv import TsvDataModule
from plugboard.data.vocabulary import Vocabulary

__all__ = [
    "CmudictDataModule",
    "GeneratedDataModule",
    "ScanDataModule",
    "Seq2SeqBatch",
    "Seq2SeqDataModule",
    "TsvDataModule",
    "Vocabulary",
    "collate",
]
