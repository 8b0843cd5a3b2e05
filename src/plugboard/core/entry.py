"""The one decorator every entry point uses: `hydra.main` on the project's configs, with a quick `--help`.

Hydra's help lists every config group by asking its config loader, group by group, for the
options; each question builds a fresh copy of the config repository (parse the overrides,
process the search path, deep-copy Hydra's ConfigStore). The answer is the same every time,
but ~150 copies take over a second on a small CPU. While help is printed, the copy is made
once per (config, overrides) and reused, so the text is Hydra's own, to the character
(tests/core/test_startup.py), at the speed of composing one config.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import hydra
from omegaconf import DictConfig

from plugboard.core.paths import CONFIG_DIR

HELP_FLAGS = {"--help", "-h", "--hydra-help"}


def entry_point(config_name: str) -> Callable[[Callable[[DictConfig], Any]], Callable[[], Any]]:
    """`@hydra.main` for `configs/<config_name>.yaml`; the task function must import torch lazily."""

    def decorate(task: Callable[[DictConfig], Any]) -> Callable[[], Any]:
        hydra_main = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)
        hydra_main = hydra_main(task)

        @functools.wraps(task)
        def main() -> Any:
            if HELP_FLAGS.isdisjoint(sys.argv[1:]):
                return hydra_main()
            with _one_repository_per_question():
                return hydra_main()

        return main

    return decorate


@contextmanager
def _one_repository_per_question() -> Iterator[None]:
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
