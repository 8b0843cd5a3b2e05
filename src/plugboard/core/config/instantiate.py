"""Builds the Trainer and its lists of callbacks and loggers from config groups whose entries are named."""

from __future__ import annotations

from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig

from plugboard.core.job.device_pool import devices_of_this_job
from plugboard.core.job.logs import get_logger

log = get_logger(__name__)


def instantiate_named(group: DictConfig | None) -> list[Any]:
    """`{name: {_target_: ...}, ...}` -> `[object, ...]`; entries without `_target_` are skipped."""
    if not group:
        return []
    return [
        instantiate(entry)
        for entry in group.values()
        if isinstance(entry, DictConfig) and "_target_" in entry
    ]


def instantiate_trainer(config: DictConfig, **kwargs: Any) -> Any:
    """`instantiate(config)`, on the GPU a sweep's device pool gave this job (if any): the device is
    an argument, never written into the config the checkpoints save."""
    return instantiate(config, **kwargs, **devices_of_this_job())


def drop_monitors_without_validation(callbacks: list[Any], model: Any) -> list[Any]:
    """A model with no `validation_step` logs no validation metric to watch: its run keeps
    `last.ckpt` only, instead of stopping when ModelCheckpoint or EarlyStopping look for one."""
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from lightning.pytorch.utilities.model_helpers import is_overridden

    if is_overridden("validation_step", model):
        return callbacks
    watching = [c for c in callbacks if isinstance(c, EarlyStopping | ModelCheckpoint) and c.monitor]
    if watching:
        log.info(
            f"{type(model).__name__} has no validation_step, so nothing is validated: keeping only "
            "last.ckpt (no best checkpoint, no early stopping)"
        )
    return [callback for callback in callbacks if callback not in watching]


def drop_progress_bars_if_disabled(callbacks: list[Any], enable_progress_bar: bool | None) -> list[Any]:
    """`trainer.enable_progress_bar=false` is the one switch: Lightning would refuse it while a
    progress-bar callback (the callbacks group's Rich bar) is configured, so that goes too."""
    if enable_progress_bar is not False:
        return callbacks
    from lightning.pytorch.callbacks import ProgressBar

    return [callback for callback in callbacks if not isinstance(callback, ProgressBar)]
