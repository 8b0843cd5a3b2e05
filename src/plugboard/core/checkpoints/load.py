"""Loads checkpoints safely (tensors and plain data only) with errors a user can act on."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from plugboard.core.errors import PlugboardError
from plugboard.core.handoff import METADATA_KEY

CONVERT = "python scripts/convert_checkpoint.py"


class CheckpointError(PlugboardError, RuntimeError):
    """A checkpoint that is missing, unreadable or not one of ours."""


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """`torch.load(weights_only=True)`: no code from the file runs while it is read."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"Checkpoint not found: {path}. Pass the path of a .ckpt file written by train.py."
        )
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch's own message suggests weights_only=False: never repeat it
        raise CheckpointError(
            f"Cannot read checkpoint {path}: {_what_it_is(path, error)}. Use another checkpoint, e.g. "
            "last.ckpt or an earlier epoch of the same run, or retrain."
        ) from None
    if not isinstance(checkpoint, dict) or any(key not in checkpoint for key in ("state_dict", "config")):
        raise CheckpointError(
            f"Checkpoint {path} lacks its weights or its config: it was not written by Plugboard's train.py."
        )
    if METADATA_KEY not in checkpoint:  # every checkpoint train.py writes now has one, maybe empty
        raise CheckpointError(
            f"Checkpoint {path} was written by an earlier version of Plugboard, before the model "
            f"families moved into packages of their own. `{CONVERT} {path} <new.ckpt>` writes a "
            "copy in the current format (same weights; class paths and saved data moved)."
        )
    return checkpoint


def _what_it_is(path: Path, error: Exception) -> str:
    """What an unreadable checkpoint file is, told from its first bytes and torch's error."""
    if path.stat().st_size == 0:
        return "the file is empty (a save that never finished)"
    with path.open("rb") as file:
        head = file.read(4)
    if head.startswith(b"PK"):
        if not zipfile.is_zipfile(path):
            return "the file is truncated: a zip archive that ends before its directory (a save cut short)"
        with zipfile.ZipFile(path) as archive:
            if not any(name.endswith("/data.pkl") for name in archive.namelist()):
                return "it is a zip archive, but not one written by torch.save"
    if head[:1] == b"\x80":
        return "it is a Python pickle, not a checkpoint written by torch.save"
    if isinstance(error, pickle.UnpicklingError):
        return (
            "it holds Python objects besides tensors and plain data, and loading those runs code "
            "stored in the file, which Plugboard never does; train.py writes only tensors and plain data"
        )
    if zipfile.is_zipfile(path):
        return "the archive is damaged (a record inside it cannot be read)"
    return "it is not a PyTorch checkpoint (another kind of file, or written by another program)"
