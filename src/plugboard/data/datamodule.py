"""The DataModule shared by every task: splits, vocabulary, tensors and loaders.

Subclasses only say where examples come from (`load_examples`). Examples are turned into
id tensors once in `setup`, so a training step does no Python tokenisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import lightning as L
import torch
from torch.utils.data import DataLoader

from plugboard.data.batch import collate
from plugboard.data.tasks.base import Example
from plugboard.data.vocabulary import Vocabulary

SPLITS = ("train", "val", "test", "test_long")


class Seq2SeqDataModule(L.LightningDataModule):
    """Holds `train`, `val`, `test` and (when the task has one) `test_long` splits.

    `vocabulary` fixes the token list (as saved in a checkpoint); when it is None the
    vocabulary is built from the training split.
    """

    def __init__(
        self,
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        vocabulary: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.vocabulary = Vocabulary(vocabulary) if vocabulary is not None else None
        self.examples: dict[str, list[Example]] = {}
        self.tensors: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def load_examples(self) -> dict[str, list[Example]]:
        """Returns token examples per split name (a subset of `SPLITS`)."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        self.examples = self.load_examples()
        if self.vocabulary is None:
            train = self.examples["train"]
            self.vocabulary = Vocabulary.from_sequences(
                [source for source, _ in train] + [target for _, target in train]
            )
        self.tensors = {split: self._tensorise(examples) for split, examples in self.examples.items()}

    def _tensorise(self, examples: list[Example]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        encode = self.vocabulary.encode
        return [
            (torch.tensor(encode(source), dtype=torch.long), torch.tensor(encode(target, add_eos=True)))
            for source, target in examples
        ]

    @property
    def test_splits(self) -> list[str]:
        """Names of the test loaders, in dataloader-index order."""
        return [split for split in ("test", "test_long") if self.tensors.get(split)]

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        return DataLoader(
            self.tensors[split],
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.persistent_workers,
            collate_fn=partial(collate, pad_id=Vocabulary.pad_id),
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> list[DataLoader]:
        return [self._loader(split) for split in self.test_splits]

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test")
