"""The jobs of a sweep, known before it starts, so that each can be checked first.

Hydra hands the start of a multirun only the main config, with the sweep not expanded. A grid
(Hydra's basic sweeper) is expanded here as that sweeper does it: its `hydra.sweeper.params`,
then the command line's overrides, through Hydra's override parser and `BasicSweeper`'s own
product (`plugboard.core.config._hydra.grid_jobs`). A search (Optuna, or any other sweeper with
`params`) has no jobs yet; its candidates are every `choice` and both ends of every `interval`
and `range`, taken one at a time with the other swept keys at their first value, so each value
is checked once and a search of many keys stays a few dozen compositions.

Plugboard's Optuna sweeper searches only the params that the job has a place for
(`search_params`): a preset written for every family lists every family's knobs, and each family
keeps the ones it has. The candidates checked here are those of the same params.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, ListConfig, OmegaConf

from plugboard.core.config._hydra import BASIC_SWEEPER, grid_jobs

# The sweeper that leaves out the params a job has no place for (hydra_plugins/plugboard_optuna_sweeper).
PLUGBOARD_OPTUNA = "hydra_plugins.plugboard_optuna_sweeper.sweeper.PlugboardOptunaSweeper"


@dataclass(frozen=True)
class SweepJob:
    """One job to check: how to name it to the user, and the overrides that compose it."""

    name: str
    overrides: list[str]


def sweep_jobs(config: DictConfig) -> tuple[list[SweepJob], bool]:
    """The jobs of the multirun `config` and whether they are a grid's (else a search's candidates)."""
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    if OmegaConf.select(config, "hydra.sweeper._target_") == PLUGBOARD_OPTUNA:
        params = search_params(config, params)[0]
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += list(config.hydra.overrides.task)
    overrides = OverridesParser.create(config_loader=_loader()).parse_overrides(arguments)
    swept = {override.get_key_element() for override in overrides if override.is_sweep_override()}
    if OmegaConf.select(config, "hydra.sweeper._target_") == BASIC_SWEEPER:
        grid = grid_jobs(overrides)
        return [
            SweepJob(f"#{number} {_label(job, swept)}".rstrip(), job) for number, job in enumerate(grid)
        ], True
    return [SweepJob(_label(job, swept) or "the fixed values", job) for job in _candidates(overrides)], False


def search_params(config: DictConfig, params: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The `params` of a search on the multirun `config` that its jobs have a place for, and the keys
    of those left out. A key has a place when it is a config group of the job's defaults list
    (`model/attention`), a key of the job's config (`model.encoder.dropout`: every level present),
    or it adds one (`+key`). A param set to null is no param (a preset that extends another takes a
    key out so). The job is composed once, with the command line and the first value of each group
    param that the config has; where that does not compose, nothing is left out and the check of
    the jobs says why."""
    from plugboard.core.config.preflight import JobComposer

    given = {str(key): str(value) for key, value in params.items() if value is not None}
    parser = OverridesParser.create(config_loader=_loader())
    parsed = {key: parser.parse_overrides([f"{key}={value}"])[0] for key, value in given.items()}
    choices = config.hydra.runtime.choices
    groups = [override for override in parsed.values() if override.key_or_group in choices]
    command_line = parser.parse_overrides(list(config.hydra.overrides.task))
    try:
        job = JobComposer(config)(_candidates([*groups, *command_line])[0])
    except Exception:  # the pre-flight check names what does not compose
        return given, []
    absent = [key for key, override in parsed.items() if not _has_place(job, override)]
    return {key: value for key, value in given.items() if key not in absent}, absent


def _has_place(job: DictConfig, override: Override) -> bool:
    key = override.key_or_group
    if override.is_add() or override.is_force_add() or key in job.hydra.runtime.choices:
        return True
    *parents, last = key.split(".")
    node: Any = job
    try:
        for part in parents:
            if not _holds(node, part):
                return False
            node = node[int(part)] if isinstance(node, ListConfig) else node[part]
    except Exception:  # a level that does not resolve here: the job's own composition will say
        return True
    return _holds(node, last)


def _holds(node: Any, part: str) -> bool:
    """Whether `node` has the key or index `part` (a mandatory `???` value counts: it can be set)."""
    if isinstance(node, DictConfig):
        return part in node.keys()  # noqa: SIM118 (`in node` is False for a ??? value)
    if isinstance(node, ListConfig):
        return part.isdigit() and int(part) < len(node)
    return False


def _loader() -> Any:
    return GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() else None


def _candidates(overrides: list[Override]) -> list[list[str]]:
    latest: dict[str, Override] = {}
    for override in overrides:  # a later override of a key replaces an earlier one, as in the sweeper
        latest.pop(override.get_key_element(), None)
        latest[override.get_key_element()] = override
    fixed = [
        o.input_line or _line(o.get_key_element(), o.get_value_element_as_str())
        for o in latest.values()
        if not o.is_sweep_override()
    ]
    values = [_values(override) for override in latest.values() if override.is_sweep_override()]
    first = [options[0] for options in values]
    jobs = [[*first, *fixed]]
    for position, options in enumerate(values):
        jobs += [[*first[:position], option, *first[position + 1 :], *fixed] for option in options[1:]]
    return jobs


def _values(override: Override) -> list[str]:
    """`key=value` for every choice, and for both ends of an interval or a range."""
    key, value = override.get_key_element(), override.value()
    if override.is_interval_sweep():
        return [_line(key, value.start), _line(key, value.end)]
    if override.is_range_sweep() and not value.shuffle:
        return [_line(key, value.start), _line(key, value.stop)]
    return [_line(key, choice) for choice in override.sweep_string_iterator()]


def _line(key: str, value: object) -> str:
    return f"{key}={value}"


def _label(job: list[str], swept: set[str]) -> str:
    return " ".join(line for line in job if line.split("=", 1)[0] in swept)
