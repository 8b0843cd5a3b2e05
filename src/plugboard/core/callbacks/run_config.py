"""Stores the run's resolved config in every checkpoint, as plain data."""

from __future__ import annotations

from typing import Any

import lightning as L


class RunConfigInCheckpoint(L.Callback):
    """Lets `eval.py` rebuild model and data from a checkpoint alone.

    The config is a plain dict (no pickled objects), so checkpoints load with
    `torch.load(..., weights_only=True)`.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def on_save_checkpoint(
        self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        checkpoint["config"] = self.config
