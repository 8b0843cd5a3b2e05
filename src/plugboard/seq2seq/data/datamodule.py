"""The DataModule shared by every task: splits, vocabulary, tensors and loaders.

Subclasses say where examples come from (`read_source`: text pairs per part of the source) and,
when the source is not already split, how to split what the pipeline kept (`arrange`). Every
example goes through the data pipeline (`pipeline`, a list of steps ending in tokens; see
`plugboard.data.pipeline`), which `predict.py` and `serve.py` apply to raw text too. Examples are
turned into id tensors once in `setup`, so a training step does no Python tokenisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from plugboard.core.errors import ConfigError, DataError
from plugboard.data.collection_paused import collection_paused
from plugboard.data.loaders import split_loader
from plugboard.data.pipeline import Pipeline, Step
from plugboard.data.pipeline.cache import run_cached
from plugboard.data.pipeline.report import data_report
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.data.batch import collate_indexed
from plugboard.seq2seq.data.tasks.base import Example

SPLITS = ("train", "val", "test", "test_long")
# What a trained model (its vocabulary given) evaluates in each Lightning stage: a symbol it never
# saw there is an error. (Training data may hold new symbols: they are read as <unk>.)
EVALUATED_SPLITS = {"validate": ("val",), "test": ("test", "test_long"), "predict": ("test",)}
# An evaluation example may also list every output it accepts, `target` first (a word with
# two pronunciations); its metrics then count an output right when it matches any of them.
MultiReferenceExample = tuple[list[str], list[str], list[list[str]]]


class Seq2SeqDataModule(L.LightningDataModule):
    """Holds `train`, `val`, `test` and (when the task has one) `test_long` splits.

    `pipeline` lists the steps from the source's text to tokens (None: the task's
    `default_pipeline()`); it is saved with the model (`metadata`) and comes back on rebuild, so
    predict and serve read raw input through the same steps. With `cache_dir`, the pipeline's
    output over files is kept there (`plugboard.data.pipeline.cache`). `vocabulary` fixes the token list
    (the core hands over the one saved in a checkpoint, see `plugboard.core.handoff`); when it is
    None the vocabulary is built from the training split, and `metadata` hands it to the model.
    `bucket_by_length` batches training examples of similar length together (see
    `plugboard.data.bucketing`); evaluation order is unchanged.
    """

    def __init__(
        self,
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        bucket_by_length: bool = False,
        vocabulary: Sequence[str] | None = None,
        pipeline: Sequence[Step | Mapping[str, Any] | None] | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.pipeline = Pipeline(self.default_pipeline() if pipeline is None else pipeline)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.bucket_by_length = bucket_by_length
        self.vocabulary = Vocabulary(vocabulary) if vocabulary is not None else None
        self.examples: dict[str, list[Example]] = {}
        self.tensors: dict[str, list[tuple[torch.Tensor, ...]]] = {}

    @property
    def metadata(self) -> dict[str, Any]:
        """What the model needs from the data: the vocabulary (valid after `setup`); and the
        pipeline's steps as plain data, which a rebuilt DataModule gets back."""
        if self.vocabulary is None:
            return {}
        return {"vocabulary": list(self.vocabulary.tokens), "pipeline": self.pipeline.records()}

    @property
    def report(self) -> dict[str, Any]:
        """What the pipeline did (valid after `setup`), for the run's data report."""
        size = len(self.vocabulary) if self.vocabulary is not None else None
        return data_report(self.pipeline, self.examples, size)

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

    def read_source(self) -> dict[str, list[Example]]:
        """Raw (source, target) text pairs per part of the source (a split name, or e.g. "file")."""
        raise NotImplementedError

    def arrange(self, parts: dict[str, list[Example]]) -> dict[str, list[Example | MultiReferenceExample]]:
        """The pipeline's output as splits (a subset of `SPLITS`); by default the parts are the splits."""
        return parts

    def load_examples(self) -> dict[str, list[Example | MultiReferenceExample]]:
        """Token examples per split: the source through the pipeline, then arranged into splits."""
        parts = run_cached(self.pipeline, self.read_source, self.source_files(), self.cache_dir)
        return self.arrange(parts)

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        with collection_paused():  # 2.5x faster on CMUdict: see plugboard.data.collection_paused
            self._build(stage)

    def _build(self, stage: str | None) -> None:
        """Examples, vocabulary and id tensors, made once."""
        self.examples = self.load_examples()
        if self.vocabulary is None:
            train = self.examples["train"]
            self.vocabulary = Vocabulary.from_sequences(
                [example[0] for example in train] + [example[1] for example in train]
            )
        else:
            self._refuse_unknown_symbols(EVALUATED_SPLITS.get(stage or "fit", ()))
        self.tensors = {split: self._tensorise(examples) for split, examples in self.examples.items()}

    def _refuse_unknown_symbols(self, splits: Sequence[str]) -> None:
        """With a vocabulary given (a trained model's), data it cannot encode is an error, not `<unk>`."""
        known = set(self.vocabulary.tokens)
        for split in splits:
            examples = self.examples.get(split, [])
            for number, example in enumerate(examples, start=1):
                unknown = sorted({token for part in example[:2] for token in part} - known)
                if unknown:
                    raise DataError(
                        f"The {split} data has symbols the model never saw in training: "
                        f"{', '.join(map(repr, unknown[:10]))} (first in example {number}: "
                        f"{' '.join(example[0])!r}). The model's vocabulary has {len(known)} symbols, "
                        "saved in its checkpoint; evaluate it on data written with the same symbols."
                    )

    def _tensorise(self, examples: list[Example | MultiReferenceExample]) -> list[tuple[torch.Tensor, ...]]:
        """Id tensors of each example: views into one tensor per split part (one allocation, not one
        per example, which made this the slowest part of setting up CMUdict)."""
        if not examples:
            return []
        encode = self.vocabulary.encode
        sources = _views([encode(example[0]) for example in examples])
        targets = _views([encode(example[1], add_eos=True) for example in examples])
        if len(examples[0]) == 2:
            return list(zip(sources, targets, strict=True))
        references = [
            pad_sequence(
                [torch.tensor(encode(reference, add_eos=True)) for reference in example[2]],
                batch_first=True,
                padding_value=Vocabulary.pad_id,
            )
            for example in examples
        ]
        return list(zip(sources, targets, references, strict=True))

    @property
    def test_splits(self) -> list[str]:
        """Names of the test loaders, in dataloader-index order."""
        return [split for split in ("test", "test_long") if self.tensors.get(split)]

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        examples = self.tensors[split]
        # Target length first: the decoder runs one step per target position.
        lengths = (
            [(len(example[1]), len(example[0])) for example in examples] if self.bucket_by_length else None
        )
        return split_loader(
            examples,
            partial(collate_indexed, pad_id=Vocabulary.pad_id),
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


def _views(rows: list[list[int]]) -> tuple[torch.Tensor, ...]:
    flat = torch.tensor([index for row in rows for index in row], dtype=torch.long)
    return flat.split([len(row) for row in rows])
