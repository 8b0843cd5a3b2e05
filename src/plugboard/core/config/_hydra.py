"""Every use of Hydra's private API in Plugboard, in this one file. Written against hydra-core 1.3.

Hydra's public API composes a config, but does not say which file set a value, how a sweep
expands into jobs before it starts, or how to compose a sweep's jobs cheaply. These helpers
reach into `hydra._internal` (and Hydra objects' `_`-prefixed attributes) for that; nothing
else in the project does (tests/core/config/test_hydra_seam.py scans for it). Each helper has
a test comparing its answer with Hydra's own public result (the same test file), so a Hydra
release that changes one of them fails there, in one place, rather than misleading users.

    | helper                          | Hydra 1.3 internal it uses                                  |
    | ------------------------------- | ----------------------------------------------------------- |
    | one_repository_per_question     | ConfigLoaderImpl._parse_overrides_and_create_caching_repo   |
    | config_repository               | the same (the repository of a config and its overrides)     |
    | group_exists, load_config_file  | hydra._internal.config_repository (the repository object)  |
    | defaults_list                   | hydra._internal.defaults_list.create_defaults_list          |
    | apply_overrides                 | ConfigLoaderImpl._apply_overrides_to_config                 |
    | as_current_hydra_config         | HydraConfig.instance().cfg (restored after a swap)          |
    | grid_jobs, BASIC_SWEEPER        | hydra._internal.core_plugins.basic_sweeper.BasicSweeper     |
    | error_of_failed_job             | JobReturn._return_value (`JobReturn.return_value` raises it) |
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import Override
from hydra.core.utils import JobReturn
from omegaconf import DictConfig

HYDRA_VERSION = "1.3"  # the hydra-core release line this file is written against (pyproject pins <1.4)
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def config_loader() -> Any:
    """The running Hydra's config loader (public: `GlobalHydra`), for the helpers below."""
    return GlobalHydra.instance().config_loader()


@contextmanager
def one_repository_per_question() -> Iterator[None]:
    """While `--help` is printed, Hydra builds its config repository once per (config, overrides).

    Hydra's help asks the loader, group by group, for the options; each question builds a fresh
    copy of the repository (parse the overrides, process the search path, deep-copy Hydra's
    ConfigStore): ~150 copies, over a second on a small CPU, all giving the same answer.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    build = ConfigLoaderImpl._parse_overrides_and_create_caching_repo
    built: dict[tuple[int, str | None, tuple[str, ...]], Any] = {}

    def build_once(loader: ConfigLoaderImpl, config_name: str | None, overrides: list[str]) -> Any:
        key = (id(loader), config_name, tuple(overrides))
        if key not in built:
            built[key] = build(loader, config_name, overrides)
        return built[key]

    ConfigLoaderImpl._parse_overrides_and_create_caching_repo = build_once
    try:
        yield
    finally:
        ConfigLoaderImpl._parse_overrides_and_create_caching_repo = build


def config_repository(loader: Any, config_name: str, overrides: Sequence[str]) -> tuple[list[Override], Any]:
    """The parsed `overrides` and Hydra's config repository for them (with any `hydra.searchpath`)."""
    return loader._parse_overrides_and_create_caching_repo(config_name, list(overrides))


def group_exists(repository: Any, group: str) -> bool:
    """Whether `group` is a config group (`model/attention`), as Hydra tells options from keys."""
    return bool(repository.group_exists(group))


def load_config_file(repository: Any, config_path: str) -> Any:
    """One config file as Hydra loads it (`.config`, `.header`), or None."""
    return repository.load_config(config_path=config_path)


def defaults_list(repository: Any, config_name: str, overrides: list[Override]) -> list[Any]:
    """The config files of a composition in the order Hydra merges them (`ResultDefault`s)."""
    from hydra._internal.defaults_list import create_defaults_list

    found = create_defaults_list(
        repo=repository,
        config_name=config_name,
        overrides_list=overrides,
        prepend_hydra=True,
        skip_missing=True,
    )
    return list(found.defaults)


def apply_overrides(overrides: list[Override], config: DictConfig) -> None:
    """Hydra's own application of `key=value` overrides to a composed config, in place."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(overrides, config)


@contextmanager
def as_current_hydra_config(config: DictConfig) -> Iterator[None]:
    """`${hydra:...}` resolves against `config` inside the block; the running one's is restored."""
    previous = HydraConfig.instance().cfg
    HydraConfig.instance().set_config(config)
    try:
        yield
    finally:
        HydraConfig.instance().cfg = previous


def grid_jobs(overrides: list[Override]) -> list[list[str]]:
    """The jobs of a grid, as Hydra's basic sweeper expands it (its order, its product)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    return BasicSweeper.split_arguments(overrides, max_batch_size=None)[0]


def error_of_failed_job(result: JobReturn) -> BaseException:
    """The exception a launched job failed with. Hydra's `JobReturn.return_value` would raise it (and
    print to stderr); a sweeper that reports failures needs it as a value."""
    return result._return_value


def parent_node(node: Any) -> Any:
    """The config node that holds `node` (None at the root); OmegaConf 2.3 has no public call for
    it, and a resolver given `_parent_` needs one level further up (resolvers.class_flag)."""
    return node._get_parent()
