"""Where a value of a composed config came from: the command line, a sweep's params, or which file.

Hydra keeps no such record, so it is worked out again from what Hydra composed: the job's
overrides (a `key=value` on the command line wins over every file) and its defaults list, the
config files in the order Hydra merged them, where the last file that sets a key is the one
whose value stands. `# @package _global_` files (experiment presets, configs/model/monitor/*)
are placed by their package like any other. Computed only for the keys that have a problem.
Hydra's config loader internals it needs are reached through `plugboard.core.config._hydra`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from hydra.core.default_element import ResultDefault
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from plugboard.core.config import _hydra

_NOT_SET = object()


class Provenance:
    """Says which override or config file set a key of one job's config."""

    def __init__(
        self,
        config_name: str,
        task_overrides: Iterable[str],
        hydra_overrides: Iterable[str] = (),
        command_line: Iterable[str] | None = None,
    ) -> None:
        """`command_line`: the overrides the user typed (default: all of `task_overrides`); a job's
        override of a key typed there is "the command line", any other one came from the sweeper's
        `params` (often set by an experiment preset)."""
        self.config_name = config_name
        self.task_overrides = list(task_overrides)
        self.hydra_overrides = list(hydra_overrides)
        typed = self.task_overrides if command_line is None else list(command_line)
        self.typed_keys = {override.key_or_group for override in _parse(typed)}

    @classmethod
    def of_current_job(cls) -> Provenance | None:
        """The provenance of the job Hydra is running, or None outside one (`train(cfg)` called directly)."""
        if not HydraConfig.initialized():
            return None
        hydra = HydraConfig.get()
        return cls(hydra.job.config_name, hydra.overrides.task, hydra.overrides.hydra)

    def of(self, key: str) -> str:
        """`the command line (seed=abc)`, `experiment=g2p (experiment/g2p.yaml)`, `train.yaml`, or ""."""
        options = self._files[2]
        for override in reversed(_parse(self.task_overrides)):
            name = override.key_or_group
            if override.input_line in options or override.package is not None or not _covers(name, key):
                continue  # a config option (data=dates): the file it chose is found below
            origin = "the command line" if name in self.typed_keys else "hydra.sweeper.params"
            return f"{origin} ({override.input_line or name})"
        defaults, repository, _ = self._files
        for default in reversed(defaults):
            if _value_in_file(default, key, repository) is not _NOT_SET:
                return _name_of(default, self.config_name)
        return ""

    @functools.cached_property
    def _files(self) -> tuple[tuple[ResultDefault, ...], Any, frozenset[str]]:
        """The config files of the job in merge order, Hydra's repository to read them, the overrides
        that chose files."""
        if not GlobalHydra.instance().is_initialized():
            return (), None, frozenset()  # no config loader to ask: only overrides can be named
        try:
            chosen = option_overrides(self.config_name, self.hydra_overrides, self.task_overrides)
            files, repository = _config_files(
                _hydra.config_loader(), self.config_name, tuple(self.hydra_overrides), chosen
            )
            return files, repository, frozenset(chosen)
        except Exception:  # the job no longer composes: name no file rather than a wrong one
            return (), None, frozenset()


def option_overrides(
    config_name: str, hydra_overrides: Sequence[str], overrides: Sequence[str]
) -> tuple[str, ...]:
    """The overrides that choose config files (`data=dates`, `logger=[csv,wandb]`), told from `key=value`
    ones as Hydra tells them: by naming a config group."""
    repository = _repository(_hydra.config_loader(), config_name, tuple(hydra_overrides))
    return tuple(
        override.input_line
        for override in _parse(list(overrides))
        if "/" in override.key_or_group or _hydra.group_exists(repository, override.key_or_group)
    )


@functools.lru_cache(maxsize=16)
def _repository(loader: Any, config_name: str, hydra_overrides: tuple[str, ...]) -> Any:
    """Hydra's config repository, with any `hydra.searchpath` of the overrides (per config loader: a test
    may start Hydra again on other configs)."""
    return _hydra.config_repository(loader, config_name, hydra_overrides)[1]


@functools.lru_cache(maxsize=64)
def _config_files(
    loader: Any, config_name: str, hydra_overrides: tuple[str, ...], choices: tuple[str, ...]
) -> tuple[tuple[ResultDefault, ...], Any]:
    """Only the options chosen decide the files: the jobs of a sweep over seeds share one answer."""
    overrides = [*hydra_overrides, *choices]
    parsed, repository = _hydra.config_repository(loader, config_name, overrides)
    found = _hydra.defaults_list(repository, config_name, parsed)
    files = [d for d in found if d.config_path and not d.config_path.startswith("hydra/")]
    return tuple(files), repository


def _parse(overrides: list[str]) -> list:
    return OverridesParser.create().parse_overrides(overrides)


def _covers(name: str, key: str) -> bool:
    return key == name or key.startswith(f"{name}.")


def _value_in_file(default: ResultDefault, key: str, repository: Any) -> Any:
    """The raw value `key` has in the file of `default` (placed at its package), or _NOT_SET."""
    loaded = _hydra.load_config_file(repository, default.config_path)
    if loaded is None:
        return _NOT_SET
    package = default.package if default.package is not None else loaded.header.get("package")
    if package and not _covers(package, key):
        return _NOT_SET
    node: Any = OmegaConf.to_container(loaded.config, resolve=False)
    for part in key.removeprefix(package or "").split(".")[1 if package else 0 :]:
        if not isinstance(node, dict) or part not in node:
            return _NOT_SET
        node = node[part]
    return node


def _name_of(default: ResultDefault, config_name: str) -> str:
    path = str(default.config_path)
    if default.primary or path == config_name:
        return f"{path}.yaml"
    group, _, option = path.rpartition("/")
    return f"{group}={option} ({path}.yaml)"
