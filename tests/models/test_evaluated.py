"""EvaluatedModule: every family names its loaders' splits from the data and logs each split's
metrics once, under its own loader, for any number of test loaders."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torchmetrics.functional.classification import multiclass_accuracy, multiclass_f1_score

from plugboard.classifier.data import DyckDataModule
from plugboard.core.callbacks import TestExampleOutcomes
from plugboard.core.handoff import data_metadata, instantiate_with_metadata
from plugboard.models.splits import split_name
from plugboard.seq2seq.data import GeneratedDataModule

SMALL = {
    "seq2seq": [
        "data=copy",
        "data.task.max_length=5",
        "data.task.long_max_length=7",
        "data.train_size=64",
        "data.val_size=16",
        "data.test_size=16",
        "data.batch_size=16",
        "model.encoder.hidden_size=16",
        "model.encoder.embedding_size=8",
        "model.decoder.embedding_size=8",
    ],
    "classifier": [
        "model=classifier",
        "data=dyck",
        "data.max_length=10",
        "data.long_max_length=14",
        "data.train_size=64",
        "data.val_size=16",
        "data.test_size=16",
        "data.batch_size=16",
        "model.encoder.hidden_size=16",
        "model.encoder.embedding_size=8",
        "model.head_hidden_size=8",
    ],
}


class WithAThirdTestSplit:
    """A DataModule that names a third test split, `test_again`: some `test` examples again."""

    @property
    def test_splits(self) -> list[str]:
        return [*super().test_splits, "test_again"]

    def build(self, stage: str | None) -> None:
        super().build(stage)
        self.tensors["test_again"] = self.tensors["test"][:6]


class CopyWithThreeTestSplits(WithAThirdTestSplit, GeneratedDataModule):
    pass


class DyckWithThreeTestSplits(WithAThirdTestSplit, DyckDataModule):
    pass


THREE_SPLITS = {"seq2seq": CopyWithThreeTestSplits, "classifier": DyckWithThreeTestSplits}
SPLITS = ["test", "test_long", "test_again"]


def model_and_data(family: str, tmp_path: Path, datamodule_class: type | None = None):
    """A tiny model of `family` and its data (set up), as train.py builds them."""
    cfg = compose_config(SMALL[family], tmp_path)
    L.seed_everything(0)
    if datamodule_class is None:
        datamodule = instantiate(cfg.data)
    else:
        options = OmegaConf.to_container(cfg.data)
        del options["_target_"], options["_recursive_"]
        datamodule = datamodule_class(**options)
    datamodule.setup("fit")
    return instantiate_with_metadata(cfg.model, data_metadata(datamodule)), datamodule


def quiet_trainer(**options) -> L.Trainer:
    quiet = {"logger": False, "enable_checkpointing": False, "enable_progress_bar": False}
    return L.Trainer(
        **{"accelerator": "cpu", "max_epochs": 1, "limit_train_batches": 2, **quiet, **options},
        enable_model_summary=False,
    )


def test_split_names_come_from_the_data_or_are_test_and_an_index():
    assert [split_name("test", index, ["test", "test_long"]) for index in range(2)] == ["test", "test_long"]
    assert [split_name("test", index) for index in range(3)] == ["test", "test_1", "test_2"]
    assert split_name("val", 0) == "val"
    assert split_name("test", 2, ["test", "test_long"]) == "test_2"  # more loaders than names


@pytest.mark.parametrize("family", ["seq2seq", "classifier"])
def test_a_third_test_split_is_tested_and_logged_once_under_its_own_name(family: str, tmp_path: Path):
    model, datamodule = model_and_data(family, tmp_path, THREE_SPLITS[family])
    trainer = quiet_trainer(callbacks=[TestExampleOutcomes(tmp_path)])
    trainer.fit(model, datamodule=datamodule)
    assert {"val/loss", f"val/{model.progress_bar_metric}"} <= set(trainer.callback_metrics)

    per_loader = trainer.test(model, datamodule=datamodule, verbose=False)
    assert len(per_loader) == 3
    for split, logged in zip(SPLITS, per_loader, strict=True):
        assert {f"{split}/loss", f"{split}/{model.progress_bar_metric}"} <= set(logged)
        assert {name.split("/")[0] for name in logged} == {split}, logged  # its own split's, only
    assert set(trainer.logged_metrics) == {name for logged in per_loader for name in logged}
    assert not any("dataloader_idx" in name for name in trainer.logged_metrics)

    lines = [json.loads(line) for line in (tmp_path / "test_examples.jsonl").read_text().splitlines()]
    assert [sum(line["split"] == split for line in lines) for split in SPLITS] == [16, 16, 6]


def test_each_split_is_scored_over_its_own_examples_alone(tmp_path: Path):
    model, datamodule = model_and_data("classifier", tmp_path, DyckWithThreeTestSplits)
    quiet_trainer(max_epochs=2).fit(model, datamodule=datamodule)
    per_loader = quiet_trainer().test(model, datamodule=datamodule, verbose=False)
    for split, loader, logged in zip(SPLITS, datamodule.test_dataloader(), per_loader, strict=True):
        with torch.no_grad():
            predicted = torch.cat([model(batch.tokens, batch.mask)[0].argmax(-1) for batch in loader])
        labels = torch.cat([batch.labels for batch in loader])
        accuracy = multiclass_accuracy(predicted, labels, 2, average="micro")
        assert logged[f"{split}/acc"] == pytest.approx(accuracy.item())
        assert logged[f"{split}/f1"] == pytest.approx(multiclass_f1_score(predicted, labels, 2).item())


def test_the_printed_test_table_shows_each_split_under_its_own_loader(tmp_path: Path, capsys):
    model, datamodule = model_and_data("classifier", tmp_path)
    assert datamodule.test_splits == ["test", "test_long"]
    capsys.readouterr()
    quiet_trainer().test(model, datamodule=datamodule, verbose=True)
    rows = [line.strip("│┃ ").split("│") for line in capsys.readouterr().out.splitlines() if "/" in line]
    filled = {row[0].strip(): [index for index, cell in enumerate(row[1:]) if cell.strip()] for row in rows}
    assert filled == {
        "test/acc": [0],
        "test/f1": [0],
        "test/loss": [0],
        "test_long/acc": [1],
        "test_long/f1": [1],
        "test_long/loss": [1],
    }


def test_loaders_given_without_a_datamodule_are_test_test_1_test_2(tmp_path: Path):
    model, datamodule = model_and_data("classifier", tmp_path)
    loaders = [*datamodule.test_dataloader(), datamodule.val_dataloader()]
    per_loader = quiet_trainer(callbacks=[TestExampleOutcomes(tmp_path)]).test(
        model, dataloaders=loaders, verbose=False
    )
    assert [sorted(logged) for logged in per_loader] == [
        [f"{split}/acc", f"{split}/f1", f"{split}/loss"] for split in ("test", "test_1", "test_2")
    ]
    lines = [json.loads(line) for line in (tmp_path / "test_examples.jsonl").read_text().splitlines()]
    assert list(dict.fromkeys(line["split"] for line in lines)) == ["test", "test_1", "test_2"]
