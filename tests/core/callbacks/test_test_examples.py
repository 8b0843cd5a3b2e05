"""TestExampleOutcomes: a test step's per-example outcomes, gathered into one file per run."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler

from plugboard.core.callbacks import TestExampleOutcomes
from plugboard.core.callbacks.test_examples import batch_records, unique_records


class ParityModel(L.LightningModule):
    """Says every even number is right; ids are the numbers themselves."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def test_step(self, batch: torch.Tensor, batch_idx: int, dataloader_idx: int = 0) -> dict:
        return {"examples": {"id": batch, "correct": batch % 2 == 0, "error": batch.float() / 10}}


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_test_run_writes_one_line_per_example_and_split(tmp_path: Path):
    trainer = L.Trainer(
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[TestExampleOutcomes(tmp_path)],
    )
    loaders = [DataLoader(torch.arange(5), batch_size=2), DataLoader(torch.arange(10, 13), batch_size=2)]
    trainer.test(ParityModel(), dataloaders=loaders, verbose=False)
    lines = read_lines(tmp_path / "test_examples.jsonl")
    assert [(line["split"], line["id"]) for line in lines] == [
        *(("test", i) for i in range(5)),
        *(("test_1", i) for i in range(10, 13)),
    ]
    assert lines[3] == {"split": "test", "id": 3, "correct": False, "error": pytest.approx(0.3)}


def test_ddp_padding_is_counted_once():
    # 5 examples on 2 processes: the DistributedSampler gives rank 1 example 0 a second time.
    shards = [list(DistributedSampler(range(5), num_replicas=2, rank=rank, shuffle=False)) for rank in (0, 1)]
    assert sorted(shards[0] + shards[1]) == [0, 0, 1, 2, 3, 4]
    gathered = [
        record
        for shard in shards
        for record in batch_records("test", {"id": torch.tensor(shard), "correct": torch.tensor(shard) > 2})
    ]
    assert [(record["id"], record["correct"]) for record in unique_records(gathered)] == [
        (0, False),
        (1, False),
        (2, False),
        (3, True),
        (4, True),
    ]


def test_outcomes_without_ids_are_refused_with_the_format_named():
    with pytest.raises(ValueError, match="without an 'id' column .*TestExampleOutcomes"):
        batch_records("test", {"correct": [True]})
