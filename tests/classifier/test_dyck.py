"""Dyck words: negatives hide their error in the nesting only; the DataModule's splits."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from plugboard.classifier.data import DyckDataModule
from plugboard.classifier.data.dyck_words import (
    NEGATIVE,
    POSITIVE,
    has_local_cue,
    is_dyck,
    random_dyck_word,
    random_negative,
)
from plugboard.core.errors import ConfigError

KINDS = {"(": ")", "[": "]", "{": "}", "<": ">"}


def loaded(**options) -> DyckDataModule:
    sizes = {"train_size": 200, "val_size": 40, "test_size": 60}
    datamodule = DyckDataModule(**{**sizes, **options})
    datamodule.setup("fit")
    return datamodule


def test_is_dyck_knows_nesting_from_counting() -> None:
    assert is_dyck("([]{})") and is_dyck("()[]")
    assert not is_dyck("([)]") and not is_dyck(")(") and not is_dyck("(()")


def test_random_words_are_dyck_words_of_the_asked_length() -> None:
    rng = random.Random(0)
    for length in (2, 8, 30):
        word = random_dyck_word(length, 3, rng)
        assert len(word) == length and is_dyck(word)
        assert set(word) <= set("()[]{}")


def test_negatives_keep_the_counts_of_each_kind_and_hide_their_error() -> None:
    rng = random.Random(1)
    negatives = [
        random_negative(random_dyck_word(rng.choice(range(8, 30, 2)), 2, rng), rng) for _ in range(200)
    ]
    assert sum(negative is None for negative in negatives) < 20  # a few short words have none
    for negative in filter(None, negatives):
        for opening, closing in KINDS.items():
            assert negative.count(opening) == negative.count(closing)
        assert not is_dyck(negative)
        assert not has_local_cue(negative)  # no `[)`, no closing first, no opening last


def test_splits_are_balanced_disjoint_and_seeded() -> None:
    datamodule = loaded()
    words = {
        split: ["".join(tokens) for tokens, _ in examples] for split, examples in datamodule.examples.items()
    }
    assert {split: len(split_words) for split, split_words in words.items()} == {
        "train": 200,
        "val": 40,
        "test": 60,
        "test_long": 60,
    }
    for examples in datamodule.examples.values():
        labels = Counter(label for _, label in examples)
        assert labels[POSITIVE] == labels[NEGATIVE]
        assert all(is_dyck(tokens) == (label == POSITIVE) for tokens, label in examples)
    everything = [word for split_words in words.values() for word in split_words]
    assert len(set(everything)) == len(everything)
    assert loaded().examples == datamodule.examples
    assert loaded(seed=7).examples != datamodule.examples


def test_negatives_have_the_lengths_of_positives_and_test_long_is_longer() -> None:
    datamodule = loaded(min_length=8, max_length=16, long_max_length=24)

    def lengths(split: str, label: str) -> Counter:
        return Counter(len(tokens) for tokens, name in datamodule.examples[split] if name == label)

    assert sum(abs(lengths("train", POSITIVE)[n] - lengths("train", NEGATIVE)[n]) for n in range(30)) <= 20
    for split in ("train", "val", "test"):
        assert set(lengths(split, POSITIVE) + lengths(split, NEGATIVE)) <= set(range(8, 17, 2))
    assert set(lengths("test_long", POSITIVE) + lengths("test_long", NEGATIVE)) <= set(range(18, 25, 2))
    metadata = datamodule.metadata
    assert metadata["vocabulary"] == datamodule.vocabulary.tokens
    assert metadata["labels"] == [NEGATIVE, POSITIVE]


def test_a_batch_has_a_mask_of_the_real_tokens() -> None:
    datamodule = loaded(batch_size=16)
    batch = next(iter(datamodule.train_dataloader()))
    assert next(iter(datamodule.val_dataloader())).ids.tolist() == list(range(16))  # index in the split
    assert batch.tokens.shape[0] == batch.labels.shape[0] == 16
    assert batch.mask.sum(dim=1).tolist() == [int((row != 0).sum()) for row in batch.tokens]
    assert set(batch.mask.sum(dim=1).tolist()) <= set(range(8, 25, 2))


@pytest.mark.parametrize("options", [{"min_length": 4}, {"min_length": 20, "max_length": 10}])
def test_lengths_too_short_for_hidden_errors_are_refused(options: dict) -> None:
    with pytest.raises(ConfigError, match="min_length"):
        DyckDataModule(**options)
