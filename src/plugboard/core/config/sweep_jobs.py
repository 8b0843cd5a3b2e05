"""The jobs of a sweep, known before it starts, so that each can be checked first.

Hydra hands the start of a multirun only the main config, with the sweep not expanded. A grid
(Hydra's basic sweeper) is expanded here as that sweeper does it: its `hydra.sweeper.params`,
then the command line's overrides, through Hydra's override parser and `BasicSweeper`'s own
product (`plugboard.core.config._hydra.grid_jobs`). A search (Optuna, or any other sweeper with
`params`) has no jobs yet; its candidates are every `choice` and both ends of every `interval`
and `range`, taken one at a time with the other swept keys at their first value, so each value
is checked once and a search of many keys stays a few dozen compositions.
"""

from __future__ import annotations

from dataclasses import dataclass

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from plugboard.core.config._hydra import BASIC_SWEEPER, grid_jobs


@dataclass(frozen=True)
class SweepJob:
    """One job to check: how to name it to the user, and the overrides that compose it."""

    name: str
    overrides: list[str]


def sweep_jobs(config: DictConfig) -> tuple[list[SweepJob], bool]:
    """The jobs of the multirun `config` and whether they are a grid's (else a search's candidates)."""
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += list(config.hydra.overrides.task)
    loader = GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() else None
    overrides = OverridesParser.create(config_loader=loader).parse_overrides(arguments)
    swept = {override.get_key_element() for override in overrides if override.is_sweep_override()}
    if OmegaConf.select(config, "hydra.sweeper._target_") == BASIC_SWEEPER:
        grid = grid_jobs(overrides)
        return [
            SweepJob(f"#{number} {_label(job, swept)}".rstrip(), job) for number, job in enumerate(grid)
        ], True
    return [SweepJob(_label(job, swept) or "the fixed values", job) for job in _candidates(overrides)], False


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
