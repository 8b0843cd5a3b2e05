"""TsvDataModule: the shipped sample, both ways to tokenize, splits, vocabulary and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugboard.core.errors import ConfigError
from plugboard.core.paths import PROJECT_ROOT
from plugboard.data.pipeline import Strip, Tokenize
from plugboard.seq2seq.data import TsvDataModule

WORDS = [Strip(), Tokenize(split="whitespace")]
SAMPLE = PROJECT_ROOT / "data" / "samples" / "number_words.tsv"


def sample_lines() -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def loaded(path: Path = SAMPLE, **options) -> TsvDataModule:
    datamodule = TsvDataModule(path, **options)
    datamodule.setup("fit")
    return datamodule


def test_sample_is_a_few_hundred_distinct_number_word_pairs() -> None:
    lines = sample_lines()
    assert 300 <= len(lines) <= 600
    assert len({source for source, _ in lines}) == len(lines)
    assert ("twenty three", "23") in lines or all(target.isdigit() for _, target in lines)
    assert all(target.isdigit() for _, target in lines)


def test_char_tokenizer_splits_the_sample_by_fraction_and_seed() -> None:
    datamodule = loaded(val_fraction=0.1, test_fraction=0.2, seed=1)
    lines = sample_lines()
    sizes = {split: len(examples) for split, examples in datamodule.examples.items()}
    assert sizes == {"val": 50, "test": 100, "train": len(lines) - 150}
    everything = sorted(
        ("".join(source), "".join(target))
        for examples in datamodule.examples.values()
        for source, target in examples
    )
    assert everything == sorted(lines)
    source, target = datamodule.examples["train"][0]
    assert all(len(token) == 1 for token in source + target)
    assert " " in datamodule.vocabulary.tokens
    assert "test_long" not in datamodule.examples and datamodule.test_splits == ["test"]


def test_whitespace_tokenizer_makes_words_tokens() -> None:
    datamodule = loaded(pipeline=WORDS)
    words = {token for source, _ in datamodule.examples["train"] for token in source}
    assert {"thousand", "hundred", "twenty"} <= words
    assert " " not in datamodule.vocabulary.tokens
    targets = {tuple(target) for _, target in datamodule.examples["train"]}
    assert all(len(target) == 1 for target in targets)


def test_split_is_deterministic_given_the_seed() -> None:
    first, again, other = loaded(seed=5), loaded(seed=5), loaded(seed=6)
    assert first.examples == again.examples
    assert first.examples["test"] != other.examples["test"]


def test_repeated_sources_stay_in_one_split(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    lines = [f"word {i}\tout {i}" for i in range(40)] + [f"word {i}\talt {i}" for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    datamodule = loaded(path, pipeline=WORDS, val_fraction=0.25, test_fraction=0.25)
    splits = {
        split: {tuple(source) for source, _ in examples} for split, examples in datamodule.examples.items()
    }
    assert {split: len(sources) for split, sources in splits.items()} == {
        "val": 10,
        "test": 10,
        "train": 20,
    }
    assert not splits["train"] & (splits["val"] | splits["test"])
    sizes = {split: len(examples) for split, examples in datamodule.examples.items()}
    assert sizes == {"val": 20, "test": 20, "train": 40}  # both lines of every source


def test_saved_vocabulary_reproduces_identical_ids() -> None:
    trained = loaded(pipeline=WORDS, seed=1)
    saved = json.loads(json.dumps(trained.vocabulary.tokens))  # as stored in a checkpoint
    # Another split builds another vocabulary (targets are whole-number tokens) ...
    assert loaded(pipeline=WORDS, seed=2).vocabulary != trained.vocabulary
    # ... unless the saved one is passed in: then every saved token keeps its id, so every example
    # written with them maps to the same ids; tokens new to this training split come after them.
    restored = loaded(pipeline=WORDS, seed=2, vocabulary=saved)
    assert restored.vocabulary.tokens[: len(saved)] == saved
    known = set(saved)
    before, after = ids_by_example(trained), ids_by_example(restored)
    same_words = [pair for pair in before if set(pair[0]) | set(pair[1]) <= known]
    assert len(same_words) > len(before) / 2
    assert all(after[pair] == before[pair] for pair in same_words)
    assert all(token not in known for token in restored.vocabulary.tokens[len(saved) :])


def ids_by_example(datamodule: TsvDataModule) -> dict:
    ids = {}
    for split, examples in datamodule.examples.items():
        for (source, target), tensors in zip(examples, datamodule.tensors[split], strict=True):
            ids[tuple(source), tuple(target)] = tuple(tensor.tolist() for tensor in tensors)
    return ids


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        ("", 1, "no examples"),
        ("\n\n", 1, "no examples"),
        # A line of only spaces or tabs is a line with empty sides, as `x<TAB>` is (not a blank line).
        ("one\t1\n  \n", 2, "only spaces and tabs"),
        ("one\t1\n\t\n", 2, "only spaces and tabs"),
        ("one\t1\ntwo 2\nthree\t3\n", 2, "found 0"),
        ("one\t1\n\nthree\t3\tthird\n", 3, "found 2"),
        ("one\t1\n\t2\n", 2, "source side is empty"),
        ("one\t1\ntwo\t2\nthree\t  \n", 3, "target side is empty"),
    ],
)
def test_bad_files_raise_an_error_naming_the_file_and_line(
    tmp_path: Path, content: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        loaded(path)
    message = str(error.value)
    assert str(path) in message and f"line {line}:" in message and words in message


def test_missing_file_names_the_path_and_the_setting_to_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.tsv"
    with pytest.raises(FileNotFoundError, match="data.path") as error:
        loaded(missing)
    assert str(missing) in str(error.value)


def test_invalid_options_are_rejected() -> None:
    with pytest.raises(ConfigError, match=r"Pipeline step 2 \(plugboard.data.pipeline.tokenize.Tokenize\)"):
        TsvDataModule(
            SAMPLE,
            pipeline=[Strip(), {"_target_": "plugboard.data.pipeline.tokenize.Tokenize", "split": "bpe"}],
        )
    with pytest.raises(ValueError, match="sum below 1"):
        TsvDataModule(SAMPLE, val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match="too few"):
        loaded(SAMPLE.parent / SAMPLE.name, val_fraction=0.5, test_fraction=0.4999)
