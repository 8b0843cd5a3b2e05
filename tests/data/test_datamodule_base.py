"""The shared DataModule base: a new family writes where its text comes from, how examples become
tensors and how a batch is padded, and gets the splits' loaders, length buckets and the data
report from the base alone."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import pad_sequence

from plugboard.data.datamodule import PipelineDataModule
from plugboard.data.pipeline import FilterLength, Tokenize
from plugboard.data.vocabulary import Vocabulary


def pad(items: list[tuple[int, tuple[torch.Tensor, torch.Tensor]]]) -> tuple[list[int], torch.Tensor]:
    return [index for index, _ in items], pad_sequence([tokens for _, (tokens, _) in items], batch_first=True)


class WordLengths(PipelineDataModule):
    """Words labelled by their length: everything a family's DataModule has to say."""

    def read_source(self) -> dict[str, list[tuple[str, str]]]:
        words = {"train": range(1, 41), "val": range(1, 11), "test": range(41, 46)}
        return {split: [("ab" * n, str(2 * n)) for n in sizes] for split, sizes in words.items()}

    def build(self, stage: str | None) -> None:
        self.examples = self.load_examples()
        self.vocabulary = Vocabulary.from_sequences(tokens for tokens, _ in self.examples["train"])
        self.tensors = {
            split: [
                (torch.tensor(self.vocabulary.encode(tokens)), torch.tensor(int(label)))
                for tokens, label in part
            ]
            for split, part in self.examples.items()
        }

    def collate_function(self):
        return pad


def word_lengths(**options) -> WordLengths:
    steps = [Tokenize(split="characters", side="source"), FilterLength(max_length=85, side="source")]
    datamodule = WordLengths(batch_size=4, pipeline=steps, **options)
    datamodule.setup("fit")
    return datamodule


def test_a_subclass_gets_every_split_as_a_loader() -> None:
    datamodule = word_lengths()
    seen = [index for indices, _ in datamodule.train_dataloader() for index in indices]
    assert sorted(seen) == list(range(40))
    (val_ids, val_tokens), *_ = datamodule.val_dataloader()
    assert val_ids == [0, 1, 2, 3] and val_tokens.shape == (4, 8)  # the data's order, padded to "abab"*2
    assert datamodule.test_splits == ["test"] and len(datamodule.test_dataloader()) == 1
    assert sum(len(indices) for indices, _ in datamodule.predict_dataloader()) == 2


def test_training_batches_are_bucketed_by_length_when_asked() -> None:
    torch.manual_seed(0)
    for bucketed in (True, False):
        batches = [tokens for _, tokens in word_lengths(bucket_by_length=bucketed).train_dataloader()]
        lengths = [sorted(int(row.count_nonzero()) for row in tokens) for tokens in batches]
        consecutive = all(row[-1] - row[0] == 6 for row in lengths)  # four words, 2 tokens apart
        assert consecutive == bucketed, lengths


def test_the_data_report_comes_from_the_base() -> None:
    report = word_lengths().report
    assert {split: summary["examples"] for split, summary in report["splits"].items()} == {
        "train": 40,
        "val": 10,
        "test": 2,
    }
    assert report["source"]["test"]["steps"][1]["dropped"] == 3  # longer than 85 tokens
    assert report["vocabulary_size"] == 6  # a, b and the four specials
