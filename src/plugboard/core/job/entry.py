"""The one decorator every entry point uses: `hydra.main` on the project's configs, with a quick `--help`.

While help is printed, Hydra's config repository is built once per (config, overrides) instead
of once per config group it lists (`plugboard.core.config._hydra.one_repository_per_question`),
so the text is Hydra's own, to the character (tests/entry_points/test_startup.py), at the speed
of composing one config.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
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
            from plugboard.core.config._hydra import one_repository_per_question

            with one_repository_per_question():
                return hydra_main()

        return main

    return decorate
