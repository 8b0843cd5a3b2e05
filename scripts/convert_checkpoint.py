"""Rewrites a checkpoint written before the model families moved into packages of their own.

    python scripts/convert_checkpoint.py old.ckpt new.ckpt

Class paths in the saved config move to their current modules (`plugboard.models.*` ->
`plugboard.seq2seq.*`, `plugboard.data.*` -> `plugboard.seq2seq.data.*`, ...), and the saved
vocabulary becomes the data's metadata (`plugboard.core.handoff`). Weights are untouched. The
file is read as the entry points read it (`weights_only=True`, bounded), so converting runs no
code from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch

from plugboard.core.checkpoints.load import CheckpointError, read_checkpoint

# Old module prefix -> new one; the first that matches wins (longest first).
MOVED = {
    "plugboard.callbacks.AttentionHeatmaps": "plugboard.seq2seq.callbacks.AttentionHeatmaps",
    "plugboard.utils.mlflow_logger": "plugboard.core.loggers.mlflow",
    "plugboard.loggers.": "plugboard.core.loggers.",
    "plugboard.models.": "plugboard.seq2seq.",
    "plugboard.data.tasks.": "plugboard.seq2seq.data.tasks.",
    "plugboard.data.pipeline.": "plugboard.data.pipeline.",  # shared steps, where they always were
    "plugboard.data.": "plugboard.seq2seq.data.",
}


def convert_target(target: str) -> str:
    for old, new in MOVED.items():
        if target.startswith(old):
            return new + target[len(old) :]
    return target


def convert_config(value: Any) -> Any:
    """Every `_target_` of a saved config, at any depth, moved to its current module."""
    if isinstance(value, dict):
        return {
            key: convert_target(item) if key == "_target_" and isinstance(item, str) else convert_config(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [convert_config(item) for item in value]
    return value


def convert(checkpoint: dict[str, Any]) -> dict[str, Any]:
    converted = dict(checkpoint, config=convert_config(checkpoint["config"]))
    if "vocabulary" in converted and "metadata" not in converted:
        converted["metadata"] = {"vocabulary": list(converted.pop("vocabulary"))}
    return converted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the checkpoint to convert")
    parser.add_argument("destination", type=Path, help="where to write the converted copy")
    args = parser.parse_args(argv)
    try:
        checkpoint = read_checkpoint(args.source)
        if not isinstance(checkpoint, dict) or "config" not in checkpoint:
            raise CheckpointError(f"{args.source} holds no saved config: it was not written by train.py.")
    except CheckpointError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    torch.save(convert(checkpoint), args.destination)
    print(f"Wrote {args.destination}")


if __name__ == "__main__":
    main()
