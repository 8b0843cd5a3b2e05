"""The pipeline cache: keyed by content and steps, used on the second run, never half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugboard.core.errors import DataError
from plugboard.data.pipeline import FilterLength, Lowercase, Pipeline, Strip, Tokenize
from plugboard.data.pipeline.cache import cache_key
from plugboard.seq2seq.data import TsvDataModule

STEPS = [Strip(), Lowercase(), Tokenize(split="whitespace")]


def pairs_file(path: Path, count: int = 30) -> Path:
    path.write_text("".join(f"Word {index}\tT{index}\n" for index in range(count)), encoding="utf-8")
    return path


def loaded(path: Path, cache: Path, steps=STEPS) -> TsvDataModule:
    datamodule = TsvDataModule(path, pipeline=steps, cache_dir=cache)
    datamodule.setup("fit")
    return datamodule


def test_a_second_run_reads_the_cache_and_gets_the_same_examples(tmp_path: Path, monkeypatch) -> None:
    data, cache = pairs_file(tmp_path / "pairs.tsv"), tmp_path / "cache"
    first = loaded(data, cache)
    assert len(list(cache.glob("*.json"))) == 1

    def not_read_again(self):
        raise AssertionError("the source was read again")

    monkeypatch.setattr(TsvDataModule, "read_source", not_read_again)
    second = loaded(data, cache)
    assert second.examples == first.examples and second.vocabulary == first.vocabulary
    assert second.report == first.report


def test_the_key_follows_the_content_and_the_steps_not_the_path(tmp_path: Path) -> None:
    data = pairs_file(tmp_path / "pairs.tsv")
    copy = tmp_path / "elsewhere" / "copy.tsv"
    copy.parent.mkdir()
    copy.write_bytes(data.read_bytes())
    key = cache_key(Pipeline(STEPS), [data])
    assert cache_key(Pipeline(STEPS), [copy]) == key
    assert cache_key(Pipeline([*STEPS, FilterLength(max_length=5)]), [data]) != key
    assert cache_key(Pipeline([Strip(collapse=False), *STEPS[1:]]), [data]) != key
    pairs_file(copy, count=31)
    assert cache_key(Pipeline(STEPS), [copy]) != key


def test_a_failing_pipeline_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    data, cache = pairs_file(tmp_path / "pairs.tsv"), tmp_path / "cache"
    with pytest.raises(DataError, match="dropped all 30 examples"):
        loaded(data, cache, [*STEPS, FilterLength(min_length=9)])
    assert not cache.exists() or list(cache.iterdir()) == []
