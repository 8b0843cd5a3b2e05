"""A checkpoint that cannot be read is named for what it is, and the message is safe to follow:
it never suggests loading with `weights_only=False`, which would run code stored in the file."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from plugboard.core.checkpoints.load import CheckpointError, load_checkpoint


class NotPlainData:
    """An object torch.save pickles by class name: loading it would import and run code."""


def write_empty(path: Path) -> None:
    path.write_bytes(b"")


def write_truncated(path: Path) -> None:
    torch.save({"state_dict": {"w": torch.ones(64, 64)}}, path)
    path.write_bytes(path.read_bytes()[:1000])


def write_text(path: Path) -> None:
    path.write_text("epoch,loss\n1,0.5\n")


def write_objects(path: Path) -> None:
    torch.save({"state_dict": {}, "config": NotPlainData()}, path)


def write_foreign_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", "{}")


def write_pickle(path: Path) -> None:
    path.write_bytes(pickle.dumps({"state_dict": {}}))


CASES = {
    "empty": (write_empty, "the file is empty"),
    "truncated": (write_truncated, "the file is truncated"),
    "text": (write_text, "not a PyTorch checkpoint"),
    "objects": (write_objects, "holds Python objects besides tensors and plain data"),
    "foreign zip": (write_foreign_zip, "not one written by torch.save"),
    "pickle": (write_pickle, "a Python pickle"),
}


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
