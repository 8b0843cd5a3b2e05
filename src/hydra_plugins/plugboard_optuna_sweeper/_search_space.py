"""Hydra's sweep grammar as Optuna distributions.

`choice(a, b)` -> categorical, `range(start, stop, step)` -> integers (floats when any bound is
a float; `stop` included, as Optuna's bounds are), `interval(a, b)` -> a float (an int when both
bounds are ints) and `tag(log, interval(a, b))` -> the same on a log scale. Anything that is not
a sweep is a fixed override passed to every trial unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, Transformer
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)


@dataclass
class SearchSpace:
    distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    fixed: list[str] = field(default_factory=list)  # `key=value` overrides every trial gets

    def grid(self) -> dict[str, list[Any]]:
        """Every value of each parameter, for Optuna's GridSampler (categoricals and stepped ranges)."""
        grid = {}
        for name, distribution in self.distributions.items():
            if isinstance(distribution, CategoricalDistribution):
                grid[name] = list(distribution.choices)
            elif getattr(distribution, "step", None) is not None:
                count = round((distribution.high - distribution.low) / distribution.step) + 1
                grid[name] = [distribution.low + i * distribution.step for i in range(count)]
            else:
                raise ValueError(f"The grid sampler needs choice(...) or range(...) for {name}")
        return grid


def search_space(overrides: list[str]) -> SearchSpace:
    """The search space of `key=expression` overrides; a later override of a key replaces an earlier
    one, so a fixed value on the command line takes that key out of the preset's search."""
    space = SearchSpace()
    by_key: dict[str, Override] = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        by_key.pop(override.get_key_element(), None)
        by_key[override.get_key_element()] = override
    for key, override in by_key.items():
        if override.is_sweep_override():
            space.distributions[key] = distribution(override)
        else:
            space.fixed.append(override.input_line or f"{key}={override.get_value_element_as_str()}")
    return space


def distribution(override: Override) -> BaseDistribution:
    """The Optuna distribution of one sweep override."""
    value = override.value()
    if override.is_choice_sweep() or (override.is_range_sweep() and value.shuffle):
        return CategoricalDistribution(list(override.sweep_iterator(transformer=Transformer.encode)))
    if override.is_range_sweep():
        if any(isinstance(bound, float) for bound in (value.start, value.stop, value.step)):
            return FloatDistribution(value.start, value.stop, step=value.step)
        return IntDistribution(value.start, value.stop, step=value.step)
    if override.is_interval_sweep():
        log = "log" in value.tags
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log)
        return FloatDistribution(value.start, value.end, log=log)
    raise ValueError(f"{override.input_line}: Optuna takes choice, range, interval or tag(log, interval)")
