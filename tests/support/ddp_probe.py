"""A callback the multi-process tests add with `+callbacks.probe=...`: each rank saves its weights."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch


class SaveWeightsPerRank(L.Callback):
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        weights = {name: value.detach().cpu() for name, value in pl_module.state_dict().items()}
        torch.save(weights, self.folder / f"weights_rank{trainer.global_rank}.pt")
