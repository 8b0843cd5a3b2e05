"""A step from its config entry (`{_target_, **arguments}`), with errors that name its position."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from plugboard.core.errors import ConfigError, PlugboardError
from plugboard.data.pipeline.base import Step


def build_step(entry: Step | Mapping[str, Any], position: int) -> Step:
    """`entry` as a Step. Only subclasses of Step are built: a config (or a saved checkpoint)
    cannot make a pipeline call anything else."""
    if isinstance(entry, Step):
        return entry
    entry = _data_or_built_step(entry)
    if isinstance(entry, Step):
        return entry
    if not isinstance(entry, Mapping) or not isinstance(entry.get("_target_"), str):
        raise ConfigError(
            f"Pipeline step {position} is {entry!r}: each entry of data.pipeline must be a mapping with "
            "a `_target_` naming a step class, e.g. {_target_: plugboard.data.pipeline.Lowercase}."
        )
    arguments = dict(entry)
    target = arguments.pop("_target_")
    where = f"Pipeline step {position} ({target})"
    step_class = _step_class(target, where)
    try:
        return step_class(**arguments)
    except PlugboardError as error:
        raise ConfigError(f"{where}: {error}") from None
    except Exception as error:  # an unknown argument name, a pattern that does not compile
        raise ConfigError(
            f"{where} cannot be built with {arguments}: {type(error).__name__}: {error}. See "
            "configs/data/pipeline/ for the arguments each step takes."
        ) from None


def _step_class(target: str, where: str) -> type[Step]:
    module_name, _, name = target.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ConfigError(
            f"{where}: no such step class ({error}). The steps shipped are in "
            "src/plugboard/data/pipeline/, each with a config in configs/data/pipeline/."
        ) from None
    if not _is_step_class(found):
        raise ConfigError(
            f"{where} is not a pipeline step (a subclass of plugboard.data.pipeline.Step), so it is not "
            "run: a pipeline only builds step classes."
        )
    return found


def _data_or_built_step(entry: Any) -> Any:
    """A config entry as plain data; a step Hydra already built comes back as the step (OmegaConf
    stores a dataclass it is handed as a typed config)."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(entry, DictConfig) and _is_step_class(OmegaConf.get_type(entry)):
        return OmegaConf.to_object(entry)
    if isinstance(entry, DictConfig | ListConfig):
        return OmegaConf.to_container(entry, resolve=True)
    return entry


def _is_step_class(found: Any) -> bool:
    return isinstance(found, type) and issubclass(found, Step)
