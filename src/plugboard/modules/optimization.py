"""Optimizer and scheduler from the `_partial_` configs of `configs/model/optimizer|scheduler/`,
as every LightningModule's `configure_optimizers` returns them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch


def optimizers(
    parameters: Iterable[torch.nn.Parameter],
    optimizer: Callable[..., torch.optim.Optimizer],
    scheduler: Callable[..., Any] | None = None,
    scheduler_monitor: str = "val/loss",
) -> Any:
    """The optimizer alone, or with its scheduler in Lightning's dict form (`monitor` is read
    by schedulers that step on a metric, such as ReduceLROnPlateau)."""
    built = optimizer(params=parameters)
    if scheduler is None:
        return built
    return {
        "optimizer": built,
        "lr_scheduler": {"scheduler": scheduler(optimizer=built), "monitor": scheduler_monitor},
    }
