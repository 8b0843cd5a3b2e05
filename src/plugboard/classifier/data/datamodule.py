"""The DataModule every classification task shares: splits, vocabulary, labels, loaders.

Subclasses say where labelled examples come from (`read_source`: (text, label) pairs per part)
and, when the source is not already split, how to split them (`arrange`); every example goes
through the data pipeline (`pipeline`, see `plugboard.data.pipeline`) between the two. What
the model needs from the data, its vocabulary and label names, is handed over as `metadata` (plain lists, kept
in the checkpoint). Given `vocabulary` and `labels` (the saved metadata of a model rebuilt
from its checkpoint, evaluated here), the DataModule encodes with those lists instead of
building its own, and refuses data with a symbol or a label the model never saw. With
`cache_dir`, the pipeline's output over files is kept there (`plugboard.data.pipeline.cache`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from plugboard.classifier.data.batch import collate
from plugboard.classifier.metadata import read_metadata
from plugboard.core.errors import ConfigError, DataError
from plugboard.data.collection_paused import collection_paused
from plugboard.data.loaders import split_loader
from plugboard.data.pipeline import Pipeline, Step
from plugboard.data.pipeline.cache import run_cached
from plugboard.data.pipeline.report import data_report
from plugboard.data.vocabulary import SPECIALS, Vocabulary

#: One example: its tokens and its label name.
LabelledExample = tuple[list[str], str]
SPLITS = ("train", "val", "test", "test_long")
# The splits a trained model reads at each stage (when rebuilt from its checkpoint to evaluate).
EVALUATED_SPLITS = {"validate": ("val",), "test": ("test", "test_long"), "predict": ("test",)}


class ClassificationDataModule(L.LightningDataModule):
    """Holds `train`, `val`, `test` and (when the task has one) `test_long` splits.

    The vocabulary holds every symbol of every split: one seen only in evaluation keeps an
    untrained embedding (as `<unk>` would), and the saved model evaluated on this same data
    later reads all of it. The labels are `label_names()` (by default every label, sorted).
    With `vocabulary` and `labels` given, only the splits the stage evaluates are kept.
    """

    def __init__(
        self,
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        bucket_by_length: bool = False,
        vocabulary: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        pipeline: Sequence[Step | Mapping[str, Any] | None] | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.pipeline = Pipeline(self.default_pipeline() if pipeline is None else pipeline)
        self.batch_size, self.num_workers, self.pin_memory = batch_size, num_workers, pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.bucket_by_length = bucket_by_length
        given = {"vocabulary": vocabulary, "labels": labels}
        self.saved_metadata = given if vocabulary is not None or labels is not None else None
        self.vocabulary: Vocabulary | None = None
        self.labels: list[str] = []
        self.examples: dict[str, list[LabelledExample]] = {}
        self.tensors: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def default_pipeline(self) -> list[Step]:
        """The steps used when the config lists none (the shipped configs spell them out)."""
        raise ConfigError(
            f"{type(self).__name__} was given no data.pipeline and defines no default_pipeline(): list "
            "the steps from text to tokens in its config, e.g. pipeline: [{_target_: "
            "plugboard.data.pipeline.tokenize.Tokenize, split: whitespace}] (see configs/data/tsv.yaml)."
        )

    def source_files(self) -> list[Path]:
        """The files `read_source` reads; their bytes key the pipeline cache (none: not cached)."""
        return []

    def read_source(self) -> dict[str, list[tuple[str, str]]]:
        """(text, label) pairs per part of the source (a split name, or e.g. "file")."""
        raise NotImplementedError

    def arrange(self, parts: dict[str, list[LabelledExample]]) -> dict[str, list[LabelledExample]]:
        """The pipeline's output as splits (a subset of `SPLITS`, with `train`); by default the parts."""
        return parts

    def load_examples(self) -> dict[str, list[LabelledExample]]:
        """Labelled token examples per split: the source through the pipeline, then arranged."""
        parts = run_cached(self.pipeline, self.read_source, self.source_files(), self.cache_dir)
        for part, examples in parts.items():
            if examples and not (isinstance(examples[0][0], list) and isinstance(examples[0][1], str)):
                raise DataError(
                    f"{self.describe()}: after the data pipeline the {part} examples are "
                    f"{examples[0]!r}; a classifier needs the text as tokens and the label as text: "
                    "tokenise the source side only (Tokenize with side: source)."
                )
        return self.arrange(parts)

    def describe(self) -> str:
        """Names the data in error messages (a file path, a task)."""
        return type(self).__name__

    def label_names(self, examples: dict[str, list[LabelledExample]]) -> list[str]:
        """The label list, in the order of the model's outputs."""
        return sorted({label for split in examples.values() for _, label in split})

    @property
    def metadata(self) -> dict[str, Any]:
        """What the model is built from, as plain data: `vocabulary` and `labels`; and the
        pipeline's steps, which a rebuilt DataModule gets back."""
        if self.vocabulary is None:
            raise RuntimeError("metadata is known after setup().")
        return {
            "vocabulary": list(self.vocabulary.tokens),
            "labels": list(self.labels),
            "pipeline": self.pipeline.records(),
        }

    @property
    def report(self) -> dict[str, Any]:
        """What the pipeline did (valid after `setup`), for the run's data report."""
        size = len(self.vocabulary) if self.vocabulary is not None else None
        return data_report(self.pipeline, self.examples, size)

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        with collection_paused():  # 2.5x faster on CMUdict: see plugboard.data.collection_paused
            self._build(stage)

    def _build(self, stage: str | None) -> None:
        """Examples, vocabulary and id tensors, made once."""
        self.examples = self.load_examples()
        if self.saved_metadata is None:
            self.vocabulary = Vocabulary.from_sequences(
                tokens for examples in self.examples.values() for tokens, _ in examples
            )
            self.labels = self.label_names(self.examples)
        else:
            tokens, self.labels = read_metadata(self.saved_metadata)
            self.vocabulary = Vocabulary(tokens)
            evaluated = EVALUATED_SPLITS.get(stage or "fit", SPLITS)
            self.examples = {split: part for split, part in self.examples.items() if split in evaluated}
            self._refuse_what_the_model_cannot_read()
        label_ids = {label: index for index, label in enumerate(self.labels)}
        self.tensors = {
            split: [
                (
                    torch.tensor(self.vocabulary.encode(tokens), dtype=torch.long),
                    torch.tensor(label_ids[label]),
                )
                for tokens, label in examples
            ]
            for split, examples in self.examples.items()
        }

    def _refuse_what_the_model_cannot_read(self) -> None:
        """One paragraph for data with a symbol or a label not in the saved metadata."""
        known_symbols, known_labels = set(self.vocabulary.tokens) - set(SPECIALS), set(self.labels)
        for split, examples in self.examples.items():
            for number, (tokens, label) in enumerate(examples, start=1):
                symbols = sorted(set(tokens) - known_symbols)
                if symbols:
                    raise DataError(
                        f"{self.describe()}: the {split} data has symbols the model never saw "
                        f"({_listed(symbols)}, first in example {number}: {' '.join(tokens)!r}); its "
                        f"vocabulary, saved in its checkpoint, holds {len(known_symbols)} "
                        f"({_listed(sorted(known_symbols))}). Evaluate on data written with those "
                        "symbols (and the same data.pipeline), or train a model on this data."
                    )
                if label not in known_labels:
                    raise DataError(
                        f"{self.describe()}: the {split} data has a label the model was not trained "
                        f"to predict ({label!r}, first in example {number}); it knows "
                        f"{_listed(self.labels)}. Evaluate on data with those labels only, or train "
                        "a model on this data."
                    )

    @property
    def test_splits(self) -> list[str]:
        """Names of the test loaders, in dataloader-index order."""
        return [split for split in ("test", "test_long") if self.tensors.get(split)]

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        examples = self.tensors[split]
        lengths = [len(tokens) for tokens, _ in examples] if self.bucket_by_length else None
        return split_loader(
            examples,
            partial(collate, pad_id=Vocabulary.pad_id),
            self.batch_size,
            shuffle,
            lengths,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.persistent_workers,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> list[DataLoader]:
        return [self._loader(split) for split in self.test_splits]

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test")


def _listed(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(item) for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
