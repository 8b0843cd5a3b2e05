"""GeneratedDataModule over every task, and the shipped data configs."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from plugboard.core.config.resolvers import register_resolvers
from plugboard.core.paths import CONFIG_DIR
from plugboard.seq2seq.data import GeneratedDataModule, TsvDataModule
from plugboard.seq2seq.data.tasks import AdditionTask, CopyTask, DatesTask, ReverseTask, SortTask

SIZES = {"train_size": 400, "val_size": 60, "test_size": 60}


def check_splits(datamodule: GeneratedDataModule, has_long_split: bool) -> None:
    datamodule.setup("fit")
    expected = {"train", "val", "test"} | ({"test_long"} if has_long_split else set())
    assert set(datamodule.examples) == expected
    assert len(datamodule.examples["train"]) == SIZES["train_size"]
    train_sources = {tuple(source) for source, _ in datamodule.examples["train"]}
    for split in expected - {"train"}:
        assert len(datamodule.examples[split]) == SIZES["test_size"]
        assert not train_sources & {tuple(source) for source, _ in datamodule.examples[split]}
        assert len(datamodule.tensors[split]) == SIZES["test_size"]
    assert datamodule.test_splits == (["test", "test_long"] if has_long_split else ["test"])


# Small input spaces make repeats between train and eval likely, so the dedupe is exercised.
SMALL_TASKS = {
    "copy": lambda: CopyTask(num_symbols=8, max_length=4, long_max_length=6),
    "reverse": lambda: ReverseTask(max_length=4),
    "sort": lambda: SortTask(max_length=4),
    "addition": lambda: AdditionTask(max_digits=2, long_max_digits=3),
    "dates": lambda: DatesTask(2000, 2000, formats=["{d}/{m}/{yy}", "{yyyy}-{mm}-{dd}"]),
}


@pytest.mark.parametrize("name", SMALL_TASKS)
def test_generated_datamodule_builds_every_split_without_train_sources_in_eval(name) -> None:
    task = SMALL_TASKS[name]()
    check_splits(GeneratedDataModule(task, seed=3, **SIZES), task.has_long_split)


@pytest.mark.parametrize("name", ["copy", "sort", "addition", "dates", "reverse"])
def test_generated_data_configs_instantiate_and_build(name: str) -> None:
    config = OmegaConf.load(CONFIG_DIR / "data" / f"{name}.yaml")
    datamodule = instantiate(config, **SIZES)
    assert isinstance(datamodule, GeneratedDataModule)
    check_splits(datamodule, datamodule.task.has_long_split)


def test_tsv_config_points_at_the_shipped_sample() -> None:
    register_resolvers()
    config = OmegaConf.create({"paths": OmegaConf.load(CONFIG_DIR / "paths" / "default.yaml"), "data": {}})
    config.data = OmegaConf.load(CONFIG_DIR / "data" / "tsv.yaml")
    datamodule = instantiate(config.data)
    assert isinstance(datamodule, TsvDataModule)
    assert datamodule.path.is_file()
    datamodule.setup("fit")
    assert set(datamodule.examples) == {"train", "val", "test"}
