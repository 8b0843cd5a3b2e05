"""Every line or example set aside is counted and said the same way (data report, one log line,
or one paragraph), and example lengths are bounded before anything is cached or padded."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from plugboard.core.callbacks import DataReport
from plugboard.core.errors import DataError
from plugboard.data.pipeline import DropDuplicates, Pipeline, Strip, Tokenize, Transform
from plugboard.data.pipeline.bounds import LengthBounds
from plugboard.seq2seq.data import TsvDataModule

GOOD = [f"w{index}\tt{index}" for index in range(20)]
WORDS = [Strip(), Tokenize(split="whitespace")]


def tsv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def loaded(path: Path, **options) -> TsvDataModule:
    datamodule = TsvDataModule(path, pipeline=options.pop("pipeline", WORDS), **options)
    datamodule.setup("fit")
    return datamodule


def written_report(datamodule: TsvDataModule, run_dir: Path) -> dict:
    DataReport(run_dir).setup(SimpleNamespace(datamodule=datamodule, is_global_zero=True), None, "fit")
    return json.loads((run_dir / "data_report.json").read_text())


def test_a_line_of_only_a_tab_is_refused_like_an_empty_target(tmp_path: Path):
    path = tsv(tmp_path, [*GOOD[:3], "\t", "x\t", " \t ", *GOOD[3:]])
    with pytest.raises(DataError) as refused:
        loaded(path)
    message = str(refused.value)
    assert message.startswith(f"{path}, line 4: the line holds only spaces and tabs")
    assert "lines with an empty side: 3, at lines 4, 5 and 6" in message
    assert "data.bad_examples=drop" in message


def test_dropped_lines_are_counted_by_reason_with_their_line_numbers(tmp_path: Path, caplog):
    lines = [*GOOD[:3], "\t", "", "x\t", "two tabs\there\tthere", *GOOD[3:], "w1\tt1", ""]
    with caplog.at_level(logging.INFO):
        datamodule = loaded(tsv(tmp_path, lines), pipeline=[*WORDS, DropDuplicates()], bad_examples="drop")
    report = written_report(datamodule, tmp_path / "run")
    assert report["source"]["file"]["set_aside"] == {
        "lines with an empty side": {"count": 2, "first_lines": [4, 6]},
        "blank lines": {"count": 2, "first_lines": [5, 26]},
        "lines without exactly one tab": {"count": 1, "first_lines": [7]},
        "step 3 (DropDuplicates)": {"count": 1, "first_lines": [25]},
    }
    assert report["source"]["file"]["examples_in"] == 21
    assert sum(len(examples) for examples in datamodule.examples.values()) == 20
    said = [record for record in caplog.records if "set aside" in record.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "lines with an empty side: 2 (lines 4, 6)" in said[0].getMessage()


def test_only_blank_lines_and_filters_are_said_as_information(tmp_path: Path, caplog):
    with caplog.at_level(logging.INFO):
        loaded(tsv(tmp_path, [*GOOD, "", "w1\tt1"]), pipeline=[*WORDS, DropDuplicates()])
    [said] = [record for record in caplog.records if "set aside" in record.getMessage()]
    assert said.levelno == logging.INFO
    assert "blank lines: 1 (line 21); step 3 (DropDuplicates): 1 (line 22)" in said.getMessage()


def test_an_over_long_line_is_refused_before_anything_is_cached(tmp_path: Path):
    cache = tmp_path / "cache"
    path = tsv(tmp_path, [*GOOD[:5], "a " * 300 + "\tb", *GOOD[5:]])
    with pytest.raises(DataError) as refused:
        loaded(path, cache_dir=cache, max_source_length=100)
    message = str(refused.value)
    assert message.startswith(f"{path}: 1 example is longer than the data config admits")
    assert (
        "data.max_source_length=100" in message
        and "line 6 (line 6: 300 source and 1 target units)" in message
    )
    assert not cache.exists() or list(cache.iterdir()) == []


def test_over_long_examples_dropped_are_counted_and_the_bounds_reported(tmp_path: Path):
    lines = [*GOOD[:5], "a " * 300 + "\tb", *GOOD[5:], "c\t" + "d " * 50]
    datamodule = loaded(
        tsv(tmp_path, lines), max_source_length=100, max_target_length=40, bad_examples="drop"
    )
    report = written_report(datamodule, tmp_path / "run")
    assert report["bounds"] == {"max_source_length": 100, "max_target_length": 40, "bad_examples": "drop"}
    assert report["source"]["file"]["set_aside"] == {
        "longer than max_source_length=100 or max_target_length=40": {"count": 2, "first_lines": [6, 22]}
    }
    longest = max(
        len(side) for examples in datamodule.examples.values() for example in examples for side in example
    )
    assert longest == 1


def test_no_batch_is_wider_than_its_longest_example(tmp_path: Path):
    lines = [f"{'a ' * (index % 7 + 1)}\t{'b ' * (index % 5 + 1)}" for index in range(60)]
    datamodule = loaded(tsv(tmp_path, [f"{line}{index}" for index, line in enumerate(lines)]), batch_size=8)
    for batch in datamodule.train_dataloader():
        assert batch.source.shape[1] == int(batch.source_mask.sum(dim=1).max())
        assert batch.target.shape[1] == int(batch.target_mask.sum(dim=1).max())


def test_examples_not_from_a_file_are_named_by_their_position():
    pipeline = Pipeline(
        [Tokenize(split="characters")], LengthBounds(max_source_length=3, bad_examples="drop")
    )
    kept = pipeline.run([("ab", "x"), ("abcd", "y"), ("abc", "z"), ("abcdef", "w")], "train")
    assert kept == [(["a", "b"], ["x"]), (["a", "b", "c"], ["z"])]
    assert pipeline.report["train"]["set_aside"] == {
        "longer than max_source_length=3 or max_target_length=1024": {"count": 2, "first_examples": [2, 4]}
    }
    refusing = Pipeline([Tokenize(split="characters")], LengthBounds(max_target_length=1))
    with pytest.raises(
        DataError, match=r"the train examples: 1 example is longer .* example 2 \(example 2: 1 source"
    ):
        refusing.run([("a", "x"), ("b", "yz")], "train")


def test_the_bounds_are_part_of_the_cache_key(tmp_path: Path):
    from plugboard.data.pipeline.cache import cache_key

    path = tsv(tmp_path, GOOD)
    key = cache_key(Pipeline(WORDS), [path])
    assert cache_key(Pipeline(WORDS, LengthBounds(max_source_length=10)), [path]) != key
    assert cache_key(Pipeline(WORDS, LengthBounds(bad_examples="drop")), [path]) != key
    assert cache_key(Pipeline(WORDS, LengthBounds()), [path]) == key


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefuseHugeText(Transform):
    """A step that fails when given text far longer than any example here."""

    def transform(self, text: str) -> str:
        assert len(text) < 10_000, "a huge text reached the steps"
        return text


def test_text_far_over_the_bound_is_set_aside_before_any_step_runs():
    bounds = LengthBounds(max_source_length=10, bad_examples="drop")
    pipeline = Pipeline([RefuseHugeText(), Tokenize(split="characters")], bounds)
    kept = pipeline.run([("a" * 20_000, "x"), ("ab", "y"), ("c" * 11, "z")], "train")
    assert kept == [(["a", "b"], ["y"])]
    assert pipeline.report["train"]["set_aside"] == {
        "longer than max_source_length=10 or max_target_length=1024": {"count": 2, "first_examples": [1, 3]}
    }


def test_bounds_that_drop_every_example_are_an_error_not_an_empty_split():
    pipeline = Pipeline(
        [Tokenize(split="characters")], LengthBounds(max_source_length=1, bad_examples="drop")
    )
    with pytest.raises(DataError, match="every one of the 2 examples is longer than max_source_length=1"):
        pipeline.run([("ab", "x"), ("cd", "y")], "train")
