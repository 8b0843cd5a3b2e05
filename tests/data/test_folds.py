"""k-fold splits: the folds partition the groups outside the test split, which stays the split made
without folds; a bad fold is refused in one paragraph."""

from __future__ import annotations

import pytest

from plugboard.classifier.data import LabelledTsvDataModule
from plugboard.core.errors import ConfigError, DataError
from plugboard.core.paths import PROJECT_ROOT
from plugboard.data.tsv import split_groups

SAMPLE = PROJECT_ROOT / "data" / "samples" / "intents.tsv"
# 23 groups, some of several examples (a source text with two targets stays in one split).
GROUPS = {f"text {key}": [(f"text {key}", label) for label in range(1 + key % 3)] for key in range(23)}


def split(folds: int | None = None, fold: int = 0, seed: int = 7) -> dict[str, list]:
    return split_groups(GROUPS, seed, 0.2, 0.2, "distinct texts", folds, fold)


def keys(examples: list) -> set[str]:
    return {text for text, _ in examples}


def test_folds_partition_the_groups_outside_the_unchanged_test_split():
    plain = split()
    folds = [split(folds=4, fold=fold) for fold in range(4)]
    outside_test = set(GROUPS) - keys(plain["test"])
    for parts in folds:
        assert parts["test"] == plain["test"]  # the same examples, in the same order
        assert keys(parts["train"]) | keys(parts["val"]) == outside_test
        assert not keys(parts["train"]) & keys(parts["val"])
    validated = [keys(parts["val"]) for parts in folds]
    assert set().union(*validated) == outside_test
    assert sum(map(len, validated)) == len(outside_test)  # no group validates in two folds
    assert sorted(map(len, validated)) == [4, 4, 5, 5]  # 18 groups, near-equal parts


def test_a_fold_is_the_same_every_time_and_moves_with_the_seed():
    assert split(folds=3, fold=1) == split(folds=3, fold=1)
    assert split(folds=3, fold=1, seed=8)["val"] != split(folds=3, fold=1)["val"]


def test_no_folds_is_the_plain_split():
    shuffled = {"val": 5, "test": 5, "train": 13}  # round(23 * 0.2) = 5
    assert {part: len(keys(examples)) for part, examples in split().items()} == shuffled
    assert list(split()) == ["val", "test", "train"]


def test_the_sample_datamodule_validates_on_its_fold():
    def loaded(**options) -> LabelledTsvDataModule:
        datamodule = LabelledTsvDataModule(SAMPLE, **options)
        datamodule.setup("fit")
        return datamodule

    plain, fold = loaded(), loaded(folds=5, fold=2)
    assert fold.examples["test"] == plain.examples["test"]
    sizes = {part: len(examples) for part, examples in fold.examples.items()}
    assert sizes == {"val": 72, "test": 40, "train": 288}  # 360 outside the test split, a fifth each


@pytest.mark.parametrize(("folds", "fold"), [(5, 5), (3, 7)])
def test_a_fold_outside_the_folds_is_refused(folds: int, fold: int):
    with pytest.raises(ConfigError, match=rf"data.fold={fold} is not one of the {folds} folds") as error:
        LabelledTsvDataModule(SAMPLE, folds=folds, fold=fold)
    assert f"numbered 0 to {folds - 1}" in str(error.value)


def test_more_folds_than_groups_is_refused():
    with pytest.raises(DataError, match="too few for data.folds=30"):
        split(folds=30)
