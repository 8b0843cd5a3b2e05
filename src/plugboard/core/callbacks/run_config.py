"""Stores the run's resolved config and its data's metadata in every checkpoint, as plain data."""

from __future__ import annotations

from typing import Any

import lightning as L

from plugboard.core.handoff import METADATA_KEY


class RunConfigInCheckpoint(L.Callback):
    """Lets `eval.py`, `predict.py` and resuming rebuild model and data from a checkpoint alone.

    The config and the metadata (`plugboard.core.handoff`) are plain dicts, not pickled
    objects, so checkpoints load with `torch.load(..., weights_only=True)`.
    """

    def __init__(self, config: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        self.config, self.metadata = config, metadata or {}

    def on_save_checkpoint(
        self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        checkpoint["config"] = self.config
        checkpoint[METADATA_KEY] = self.metadata
