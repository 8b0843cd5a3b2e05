"""The data report: what the pipeline did, per part and per split, in the run dir."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from plugboard.core.callbacks import DataReport
from plugboard.data.pipeline import DropDuplicates, FilterLength, Strip, Tokenize
from plugboard.seq2seq.data import TsvDataModule


def test_the_report_counts_each_filter_and_the_splits(tmp_path: Path) -> None:
    data = tmp_path / "pairs.tsv"
    lines = [f"w{index}\tt{index}" for index in range(30)] + ["w1\tt1", "a very long source\tx"]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    steps = [Strip(), Tokenize(split="whitespace"), DropDuplicates(), FilterLength(max_length=3)]
    datamodule = TsvDataModule(data, pipeline=steps, val_fraction=0.2, test_fraction=0.2)
    datamodule.setup("fit")
    DataReport(tmp_path / "run").setup(
        SimpleNamespace(datamodule=datamodule, is_global_zero=True), None, "fit"
    )

    report = json.loads((tmp_path / "run" / "data_report.json").read_text())
    part = report["source"]["file"]
    assert part["examples_in"] == 32
    assert [step.get("dropped") for step in part["steps"]] == [None, None, 1, 1]
    assert part["steps"][3]["dropped_examples"] == [["a very long source", "x"]]
    assert {split: summary["examples"] for split, summary in report["splits"].items()} == {
        "train": 18,
        "val": 6,
        "test": 6,
    }
    assert report["splits"]["train"]["source_length"]["max"] == 1
    assert report["vocabulary_size"] == len(datamodule.vocabulary)
    assert report["pipeline"] == [step.record() for step in steps]


def test_a_training_run_leaves_the_report_beside_its_checkpoints(dates_checkpoint: Path) -> None:
    run_dir = dates_checkpoint.parent.parent
    report = json.loads((run_dir / "data_report.json").read_text())
    assert set(report["splits"]) == {"train", "val", "test"}
    assert report["source"]["train"]["examples_in"] == report["splits"]["train"]["examples"]
