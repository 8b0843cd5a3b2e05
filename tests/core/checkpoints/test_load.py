"""A file that is not a checkpoint is named for what it is, and the message is safe to follow:
it never suggests loading with `weights_only=False`, which would run code stored in the file."""

from __future__ import annotations

import functools
import os
import pickle
import zipfile
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from plugboard.core.checkpoints.load import CheckpointError, check_is_checkpoint_file, load_checkpoint


class NotPlainData:
    """An object torch.save pickles by class name: loading it would import and run code."""


class RunsCode:
    """Unpickled, this would call os.system: what a hostile pickle does."""

    def __reduce__(self):
        return (os.system, ("echo never",))


def write_empty(path: Path) -> None:
    path.write_bytes(b"")


def write_truncated(path: Path) -> None:
    torch.save({"state_dict": {"w": torch.ones(64, 64)}}, path)
    path.write_bytes(path.read_bytes()[:1000])


def write_text(path: Path) -> None:
    path.write_text("epoch,loss\n1,0.5\n")


def write_objects(path: Path) -> None:
    torch.save({"state_dict": {}, "config": NotPlainData()}, path)


def write_module_hyper_parameters(path: Path) -> None:
    """What Lightning saved for a lightning-hydra-template module before the core owned the format."""
    hyper_parameters = {
        "net": torch.nn.Linear(2, 2),
        "optimizer": functools.partial(torch.optim.Adam, lr=0.1),
    }
    torch.save({"state_dict": {}, "hyper_parameters": hyper_parameters}, path)


def write_list_config(path: Path) -> None:
    torch.save({"state_dict": {}, "datamodule_hyper_parameters": {"sizes": OmegaConf.create([1, 2])}}, path)


def write_foreign_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", "{}")


def write_pickle(path: Path) -> None:
    path.write_bytes(pickle.dumps({"state_dict": {}}))


def write_pickle_with_code(path: Path) -> None:
    path.write_bytes(pickle.dumps({"state_dict": RunsCode()}))


CASES = {
    "empty": (write_empty, "the file is empty"),
    "truncated": (write_truncated, "the file is truncated"),
    "text": (write_text, "not a PyTorch checkpoint (a text file"),
    "objects": (write_objects, "holds a Python object under config (class "),
    "module": (
        write_module_hyper_parameters,
        "under hyper_parameters.net (class torch.nn.modules.linear.Linear)",
    ),
    "list config": (write_list_config, "under datamodule_hyper_parameters.sizes (class omegaconf."),
    "foreign zip": (write_foreign_zip, "not one written by torch.save"),
    "pickle": (write_pickle, "a Python pickle, not a checkpoint"),
    "pickle with code": (write_pickle_with_code, "names code to run when loaded (posix.system"),
}
SEEN_FROM_THE_FIRST_BYTES = ("empty", "truncated", "text", "foreign zip", "pickle", "pickle with code")


@pytest.mark.parametrize("case", list(CASES))
def test_an_unreadable_checkpoint_is_named_for_what_it_is(case: str, tmp_path: Path) -> None:
    write, description = CASES[case]
    path = tmp_path / "model.ckpt"
    write(path)
    with pytest.raises(CheckpointError) as raised:
        load_checkpoint(path)
    message = str(raised.value)
    assert description in message and str(path) in message
    assert "weights_only" not in message and "\n" not in message


@pytest.mark.parametrize("case", SEEN_FROM_THE_FIRST_BYTES)
def test_a_file_that_is_no_checkpoint_is_refused_before_torch_reads_it(case: str, tmp_path: Path) -> None:
    """What the entry points check before they print the config tree."""
    write, description = CASES[case]
    path = tmp_path / "model.ckpt"
    write(path)
    with pytest.raises(CheckpointError, match="Cannot read checkpoint") as raised:
        check_is_checkpoint_file(path)
    assert description in str(raised.value)


def test_a_real_checkpoint_passes_the_first_bytes_check(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    torch.save({"state_dict": {"w": torch.ones(2)}, "config": {}, "metadata": {}}, path)
    check_is_checkpoint_file(path)
    legacy = tmp_path / "legacy.ckpt"
    torch.save({"state_dict": {}}, legacy, _use_new_zipfile_serialization=False)
    check_is_checkpoint_file(legacy)
