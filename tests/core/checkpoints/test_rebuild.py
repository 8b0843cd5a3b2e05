"""Rebuilding a model and its data from a checkpoint: on its own data, on other data, and from a
checkpoint written before the model families moved (refused with the way to convert it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from helpers import compose_config
from omegaconf import OmegaConf

from plugboard.core.checkpoints.load import CheckpointError
from plugboard.core.checkpoints.rebuild import rebuild
from plugboard.core.errors import DataError
from plugboard.core.paths import PROJECT_ROOT


def converter():
    spec = importlib.util.spec_from_file_location(
        "convert", PROJECT_ROOT / "scripts" / "convert_checkpoint.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_written_before_the_move(checkpoint: dict) -> dict:
    """The format of earlier versions: the vocabulary at the top, classes under their old modules."""
    old = {**checkpoint, "vocabulary": checkpoint["metadata"]["vocabulary"]}
    del old["metadata"]
    data = dict(old["config"]["data"], _target_="plugboard.data.GeneratedDataModule")
    data["task"] = dict(data["task"], _target_="plugboard.data.tasks.DatesTask")
    model = dict(old["config"]["model"], _target_="plugboard.models.Seq2SeqModule")
    old["config"] = {**old["config"], "data": data, "model": model}
    return old


def test_the_model_comes_back_with_its_vocabulary_and_weights(dates_checkpoint: Path):
    rebuilt = rebuild(dates_checkpoint)
    saved = torch.load(dates_checkpoint, weights_only=True)
    assert rebuilt.model.vocabulary.tokens == saved["metadata"]["vocabulary"]
    assert rebuilt.datamodule.vocabulary.tokens == saved["metadata"]["vocabulary"]
    for name, tensor in rebuilt.model.state_dict().items():
        assert torch.equal(tensor, saved["state_dict"][name]), name


def test_an_old_checkpoint_is_refused_with_the_command_that_converts_it(
    dates_checkpoint: Path, tmp_path: Path
):
    old_path, new_path = tmp_path / "old.ckpt", tmp_path / "new.ckpt"
    torch.save(as_written_before_the_move(torch.load(dates_checkpoint, weights_only=True)), old_path)
    with pytest.raises(CheckpointError, match="scripts/convert_checkpoint.py"):
        rebuild(old_path)

    converter().main([str(old_path), str(new_path)])
    rebuilt = rebuild(new_path)
    assert type(rebuilt.model).__module__ == "plugboard.seq2seq.model"
    assert type(rebuilt.datamodule).__name__ == "GeneratedDataModule"


def test_other_data_with_the_same_symbols_is_encoded_with_the_saved_vocabulary(dates_checkpoint: Path):
    """`eval.py ckpt_path=... +data.seed=7 +data.test_size=12`: keys merged over the saved data config."""
    own = rebuild(dates_checkpoint).datamodule
    other = rebuild(dates_checkpoint, data=OmegaConf.create({"seed": 7, "test_size": 12})).datamodule
    own.setup("test"), other.setup("test")
    assert len(other.examples["test"]) == 12 and other.examples["test"] != own.examples["test"][:12]
    assert other.vocabulary == own.vocabulary


def test_other_data_with_symbols_the_model_never_saw_is_one_paragraph(dates_checkpoint: Path, tmp_path: Path):
    # Read through the model's own pipeline (characters), "@" and "#" are symbols it never saw.
    other = tmp_path / "other.tsv"
    other.write_text("".join(f"@{index}\t#\n" for index in range(20)), encoding="utf-8")
    tsv = compose_config(["data=tsv", f"data.path={other}"], tmp_path).data
    datamodule = rebuild(dates_checkpoint, data=tsv).datamodule
    with pytest.raises(DataError, match="symbols the model never saw"):
        datamodule.setup("test")
