"""Writes each test example's outcome to the run dir, for paired comparisons between runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import torch

from plugboard.core.analysis.examples import EXAMPLES_FILE
from plugboard.core.job.logs import get_logger
from plugboard.core.job.run_files import write_text

log = get_logger(__name__)
EXAMPLES_KEY, SPLIT_KEY, ID_KEY = "examples", "split", "id"


class TestExampleOutcomes(L.Callback):
    """Gathers the per-example outcomes `test_step` returns into `<run dir>/test_examples.jsonl`.

    The protocol, for any LightningModule: `test_step` returns a dict with
    - `"examples"`: equal-length columns (tensors or lists), one entry per example of the batch:
      `"id"` (required) a stable id: the same example gets the same id in every run, e.g. its
      index in its split; `"correct"` (bool, optional) whether the model got it right; any other
      entries are per-example scores (floats, e.g. `"cer"`), lower or higher is better as the
      metric of that name says;
    - `"split"` (optional): the test set's name; by default "test" for the first test loader and
      "test_<index>" for the others.
    A `test_step` that returns nothing writes nothing. Each line of the file is one example:
    `{"split": "test", "id": 17, "correct": true, "cer": 0.25}`.

    Under DDP each process tests a share of the examples, and the DistributedSampler repeats a
    few to give every process as many: the records are gathered from every process, kept once
    per (split, id), and written by rank 0 alone.
    """

    __test__ = False  # a class named Test* is not a pytest test

    def __init__(self, output_dir: str | Path) -> None:
        self.run_dir = Path(output_dir)
        self.path = self.run_dir / EXAMPLES_FILE
        self.records: list[dict[str, Any]] = []

    def on_test_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.records = []

    def on_test_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if not isinstance(outputs, Mapping) or EXAMPLES_KEY not in outputs:
            return
        split = outputs.get(SPLIT_KEY) or ("test" if dataloader_idx == 0 else f"test_{dataloader_idx}")
        self.records += batch_records(str(split), outputs[EXAMPLES_KEY])

    def on_test_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        records = self.records
        if trainer.world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized():
            gathered: list[list[dict[str, Any]]] = [[] for _ in range(trainer.world_size)]
            torch.distributed.all_gather_object(gathered, records)
            records = [record for part in gathered for record in part]
        if trainer.is_global_zero and records:
            records = unique_records(records)
            write_records(records, self.run_dir)
            log.info(f"Wrote the outcome of each of {len(records)} test examples to {self.path}")


def batch_records(split: str, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per example from a batch's columns."""
    if ID_KEY not in columns:
        raise ValueError(
            f"test_step returned per-example '{EXAMPLES_KEY}' without an '{ID_KEY}' column (it has: "
            f"{', '.join(columns)}); see plugboard.core.callbacks.TestExampleOutcomes for the format"
        )
    lists = {
        name: values.tolist() if hasattr(values, "tolist") else list(values)
        for name, values in columns.items()
    }
    return [
        {SPLIT_KEY: split, **{name: values[index] for name, values in lists.items()}}
        for index in range(len(lists[ID_KEY]))
    ]


def unique_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per (split, id), the first seen; splits in order of appearance, ids sorted."""
    unique: dict[tuple[str, Any], dict[str, Any]] = {}
    for record in records:
        unique.setdefault((record[SPLIT_KEY], record[ID_KEY]), record)
    splits = list(dict.fromkeys(record[SPLIT_KEY] for record in records))

    def order(record: dict[str, Any]) -> tuple[int, int, Any]:
        example_id = record[ID_KEY]
        is_number = isinstance(example_id, int)
        return (
            splits.index(record[SPLIT_KEY]),
            int(not is_number),
            example_id if is_number else str(example_id),
        )

    return sorted(unique.values(), key=order)


def write_records(records: list[dict[str, Any]], run_dir: Path) -> Path:
    """`<run_dir>/test_examples.jsonl`, through a temporary file, so a reader never sees half a file."""
    return write_text(run_dir, EXAMPLES_FILE, "".join(json.dumps(record) + "\n" for record in records))
