"""The export manifest lists the data pipeline; the numpy runtime reads raw text through it."""

from __future__ import annotations

import pytest

from plugboard.data.pipeline import (
    FilterLength,
    Lowercase,
    MapCharacters,
    Normalize,
    Pipeline,
    Strip,
    Tokenize,
)
from plugboard.seq2seq.export.exporter import _pipeline_entries
from plugboard.seq2seq.export.runtime import read_text, write_text

STEPS = [
    Normalize(form="NFKC"),
    FilterLength(max_length=3),
    Strip(),
    Lowercase(side="source"),
    MapCharacters(side="target", mapping={"1": ""}),
    Tokenize(side="source", split="characters"),
    Tokenize(side="target", split="whitespace"),
]


def test_the_manifest_lists_every_step_and_the_ones_raw_input_goes_through() -> None:
    entries = _pipeline_entries(Pipeline(STEPS))
    assert entries["pipeline"] == [step.record() for step in STEPS]
    assert entries["input_steps"] == [STEPS[index].record() for index in (0, 2, 3, 5)]
    assert entries["output_separator"] == " "


def test_the_runtime_reads_text_as_the_pipeline_does_with_the_standard_library_only() -> None:
    pipeline = Pipeline(STEPS)
    manifest = _pipeline_entries(pipeline)
    for text in ("  ＡBC  d ", "Ünïcode"):
        assert read_text(text, manifest) == pipeline.source_tokens(text)
    assert write_text(["AH", "T"], manifest) == pipeline.target_text(["AH", "T"])


def test_the_runtime_refuses_raw_text_when_a_step_needs_more_than_the_standard_library() -> None:
    manifest = _pipeline_entries(Pipeline([Tokenize()]))
    manifest["input_steps"].insert(0, {"_target_": "my_package.steps.SpellCheck", "side": "both"})
    with pytest.raises(ValueError, match="my_package.steps.SpellCheck, which this runtime cannot apply"):
        read_text("hello", manifest)
