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
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        raise CheckpointError(
            f"Could not read checkpoint {path}: the file is corrupt or incomplete ({error}). "
            "Use another checkpoint, e.g. last.ckpt or an earlier epoch from the same run."
        ) from error
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
