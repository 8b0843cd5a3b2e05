"""Builds lists of Lightning callbacks and loggers from config groups whose entries are named."""

from __future__ import annotations

from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig


def instantiate_named(group: DictConfig | None) -> list[Any]:
    """`{name: {_target_: ...}, ...}` -> `[object, ...]`; entries without `_target_` are skipped."""
    if not group:
        return []
    return [
        instantiate(entry)
        for entry in group.values()
        if isinstance(entry, DictConfig) and "_target_" in entry
    ]
