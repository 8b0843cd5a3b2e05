"""LabelledTsvDataModule: the shipped sample, tokenization, splits, and one-paragraph errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugboard.classifier.data import LabelledTsvDataModule
from plugboard.core.errors import DataError, MissingFileError
from plugboard.core.paths import PROJECT_ROOT
from plugboard.data.pipeline import Strip, Tokenize

SAMPLE = PROJECT_ROOT / "data" / "samples" / "intents.tsv"


def loaded(path: Path = SAMPLE, stage: str = "fit", **options) -> LabelledTsvDataModule:
    datamodule = LabelledTsvDataModule(path, **options)
    datamodule.setup(stage)
    return datamodule


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labelled.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_splits_by_fraction_with_every_label() -> None:
    datamodule = loaded(
        val_fraction=0.1, test_fraction=0.2, pipeline=[Strip(), Tokenize(side="source", split="whitespace")]
    )
    sizes = {split: len(examples) for split, examples in datamodule.examples.items()}
    assert sizes == {"val": 40, "test": 80, "train": 280}
    assert datamodule.labels == ["alarm", "music", "timer", "weather"]
    assert "weather" in datamodule.vocabulary.tokens and datamodule.test_splits == ["test"]
    train_texts = {tuple(tokens) for tokens, _ in datamodule.examples["train"]}
    assert not train_texts & {tuple(tokens) for tokens, _ in datamodule.examples["test"]}


def test_char_tokens_and_labels_as_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "ab c\tx\n\nba\ty\ncab\tx\nbb\ty\n")
    datamodule = loaded(path, val_fraction=0.0, test_fraction=0.25, seed=3)
    assert datamodule.metadata["labels"] == ["x", "y"]
    assert {"a", "b", " "} <= set(datamodule.metadata["vocabulary"])
    tokens, label = datamodule.tensors["train"][0]
    text, name = datamodule.examples["train"][0]
    assert datamodule.vocabulary.decode(tokens.tolist()) == text and name == ["x", "y"][int(label)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\tx\nb\n", "line 2: expected exactly one tab"),
        ("a\tx\nb\tx\ty\n", "line 2: expected exactly one tab"),
        ("a\tx\n\t y\n", "line 2: the text side is empty"),
        ("a\t \n", "line 1: the label side is empty"),
        ("\n\n", "no examples"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        loaded(write(tmp_path, text))


def test_missing_file_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="data.path"):
        loaded(tmp_path / "nothing.tsv")


def test_saved_metadata_is_used_and_unseen_symbols_or_labels_refused(tmp_path: Path) -> None:
    metadata = {"vocabulary": ["a", "b"], "labels": ["y", "x"]}
    path = write(tmp_path, "ab\tx\nba\ty\naa\tx\nbb\ty\n")
    datamodule = loaded(path, val_fraction=0.25, test_fraction=0.25, **metadata)
    assert datamodule.metadata["labels"] == ["y", "x"]
    assert datamodule.metadata["vocabulary"][-2:] == ["a", "b"]
    # Evaluated, data the model cannot read are refused ...
    with pytest.raises(DataError, match=r"never saw \('c', first in example"):
        loaded(write(tmp_path, "ab\tx\nbc\ty\naa\tx\nbb\ty\n"), "test", test_fraction=0.5, **metadata)
    with pytest.raises(DataError, match=r"not trained to predict \('z'"):
        loaded(write(tmp_path, "ab\tx\nba\tz\naa\tx\nbb\ty\n"), "test", test_fraction=0.5, **metadata)
    # ... trained on (a warm start), they are appended after the saved entries.
    extended = loaded(write(tmp_path, "ab\tx\nbc\tz\naa\tx\nbb\ty\n"), **metadata).metadata
    assert extended["vocabulary"][-3:] == ["a", "b", "c"] and extended["labels"] == ["y", "x", "z"]
    with pytest.raises(DataError, match="'labels'"):
        loaded(path, vocabulary=["a", "b"])
