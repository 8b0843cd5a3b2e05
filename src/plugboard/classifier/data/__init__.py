"""Classification data: one shared DataModule base, generated Dyck words, labelled TSV text."""

from plugboard.classifier.data.batch import ClassificationBatch, collate
from plugboard.classifier.data.datamodule import ClassificationDataModule, LabelledExample
from plugboard.classifier.data.dyck import DyckDataModule
from plugboard.classifier.data.labelled_tsv import LabelledTsvDataModule

__all__ = [
    "ClassificationBatch",
    "ClassificationDataModule",
    "DyckDataModule",
    "LabelledExample",
    "LabelledTsvDataModule",
    "collate",
]
