"""The DataModule machinery every text family shares, so a family's DataModule says only its own part.

A family's DataModule reads text through the data pipeline (`plugboard.data.pipeline`) and turns
the resulting token examples into tensors once, in `setup`. Everything around that is the same
in every family and lives here: the loader options a data config sets, the pipeline and its
cache, the splits and the stages that evaluate them, the data report, and the four loaders with
optional length buckets. A subclass writes:

- `read_source()` (and, when the source is not split yet, `arrange()`): where the text comes from;
- `build(stage)`: examples -> vocabulary, tensors and whatever its `metadata` reports;
- `collate_function()`: how a batch of tensorised examples is padded;
- optionally `example_length()`, `check_pipeline_output()` and its own error checks.

`tests/data/test_datamodule_base.py` shows a whole family's DataModule in a few lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import lightning as L
from annotated_types import Ge
from torch.utils.data import DataLoader

from plugboard.core.errors import ConfigError
from plugboard.data.collection_paused import collection_paused
from plugboard.data.loaders import split_loader
from plugboard.data.pipeline import Pipeline, Step
from plugboard.data.pipeline.bounds import DEFAULT_MAX_LENGTH, BadExamples, LengthBounds
from plugboard.data.pipeline.cache import run_cached
from plugboard.data.pipeline.report import data_report
from plugboard.data.vocabulary import Vocabulary

SPLITS = ("train", "val", "test", "test_long")
# The splits a trained model (rebuilt from its checkpoint) reads at each Lightning stage; a
# family refuses data there that the model cannot read (training data may be anything).
EVALUATED_SPLITS = {"validate": ("val",), "test": ("test", "test_long"), "predict": ("test",)}
#: What `read_source` returns: raw examples (text pairs) per part of the source.
Parts = dict[str, list[Any]]


class PipelineDataModule(L.LightningDataModule):
    """Holds `train`, `val`, `test` and (when the data has one) `test_long` splits.

    `pipeline` lists the steps from the source's text to tokens (None: `default_pipeline()`); with
    `cache_dir`, its output over files is kept there (`plugboard.data.pipeline.cache`).
    `max_source_length` and `max_target_length` bound each example after the pipeline (tokens, or
    characters of a side not tokenised), so no batch holds more than `batch_size` x the bound;
    `bad_examples` says what happens to an example over them, and to a defective line of a file:
    `refuse` (one paragraph naming the lines) or `drop` (counted in the data report, see
    `plugboard.data.pipeline.bounds`).
    `bucket_by_length` batches training examples of similar length together (see
    `plugboard.data.bucketing`); evaluation order is unchanged. The other arguments go to every
    DataLoader. After `setup`, `examples` holds the token examples and `tensors` the tensorised
    ones per split; `vocabulary` is the family's to set (the data report gives its size).
    """

    def __init__(
        self,
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        bucket_by_length: bool = False,
        pipeline: Sequence[Step | Mapping[str, Any] | None] | None = None,
        cache_dir: str | Path | None = None,
        max_source_length: Annotated[int, Ge(1)] = DEFAULT_MAX_LENGTH,
        max_target_length: Annotated[int, Ge(1)] = DEFAULT_MAX_LENGTH,
        bad_examples: BadExamples = "refuse",
    ) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        bounds = LengthBounds(max_source_length, max_target_length, bad_examples)
        self.pipeline = Pipeline(self.default_pipeline() if pipeline is None else pipeline, bounds)
        self.batch_size, self.num_workers, self.pin_memory = batch_size, num_workers, pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0  # DataLoader refuses it otherwise
        self.bucket_by_length = bucket_by_length
        self.vocabulary: Vocabulary | None = None
        self.examples: dict[str, list[Any]] = {}
        self.tensors: dict[str, list[Any]] = {}

    def default_pipeline(self) -> list[Step]:
        """The steps used when the config lists none (the shipped configs spell them out)."""
        raise ConfigError(
            f"{type(self).__name__} was given no data.pipeline and defines no default_pipeline(): list "
            "the steps from text to tokens in its config, e.g. pipeline: [{_target_: "
            "plugboard.data.pipeline.tokenize.Tokenize, split: whitespace}] (see configs/data/tsv.yaml)."
        )

    def describe(self) -> str:
        """Names the data in error messages (a file path, a task)."""
        return type(self).__name__

    # What the data is: where it comes from and how it is split.

    def source_files(self) -> list[Path]:
        """The files `read_source` reads; their bytes key the pipeline cache (none: not cached)."""
        return []

    def read_source(self) -> Parts:
        """Raw text examples per part of the source (a split name, or e.g. "file"); a reader of a
        file returns a part as `NumberedExamples` (`plugboard.data.pipeline.set_aside`), so what is
        set aside is named by its line."""
        raise NotImplementedError(f"{type(self).__name__} needs read_source(): where its examples come from")

    def arrange(self, parts: Parts) -> Parts:
        """The pipeline's output as splits (a subset of `SPLITS`, with `train`); by default the parts."""
        return parts

    def check_pipeline_output(self, parts: Parts) -> None:
        """Raise a `DataError` when the pipeline's output is not what `build` reads (default: any)."""

    def load_examples(self) -> Parts:
        """Token examples per split: the source through the pipeline, then arranged into splits."""
        parts = run_cached(
            self.pipeline, self.read_source, self.source_files(), self.cache_dir, self.check_pipeline_output
        )
        return self.arrange(parts)

    # From examples to tensors, once.

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        with collection_paused():  # 2.5x faster on CMUdict: see plugboard.data.collection_paused
            self.build(stage)

    def build(self, stage: str | None) -> None:
        """Sets `examples` (usually `load_examples()`), the family's vocabulary and `tensors`."""
        raise NotImplementedError(f"{type(self).__name__} needs build(): how its examples become tensors")

    @property
    def report(self) -> dict[str, Any]:
        """What the pipeline did (valid after `setup`), for the run's data report."""
        size = len(self.vocabulary) if self.vocabulary is not None else None
        return data_report(self.pipeline, self.examples, size)

    # Batches.

    def collate_function(self) -> Callable[[list[tuple[int, Any]]], Any]:
        """Pads `(index in the split, tensorised example)` items into the family's batch. Return a
        plain function (a `functools.partial` at most), not a bound method: worker processes
        receive it, and a bound method would send them the whole DataModule."""
        raise NotImplementedError(f"{type(self).__name__} needs collate_function(): how a batch is padded")

    def example_length(self, example: Any) -> Any:
        """What length buckets sort a tensorised example by (any comparable value): by default the
        length of its first tensor, the input."""
        return len(example[0])

    @property
    def test_splits(self) -> list[str]:
        """Names of the test loaders, in dataloader-index order (`plugboard.models.EvaluatedModule`
        logs each loader's metrics under its name)."""
        return [split for split in ("test", "test_long") if self.tensors.get(split)]

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        examples = self.tensors[split]
        lengths = [self.example_length(example) for example in examples] if self.bucket_by_length else None
        return split_loader(
            examples,
            self.collate_function(),
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
