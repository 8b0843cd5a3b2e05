"""The Sweeper Hydra instantiates for `hydra/sweeper=plugboard_optuna`; the work is in `_sweep.py`."""

from __future__ import annotations

from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


class PlugboardOptunaSweeper(Sweeper):
    """Asks Optuna for a trial whenever it is free (as one of `n_workers` search workers), runs it
    through the configured launcher, tells Optuna how it ended (complete, pruned or failed), and
    writes the best trial to the sweep dir."""

    def __init__(self, **settings: Any) -> None:
        self.settings: DictConfig = OmegaConf.create(settings)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )

    def sweep(self, arguments: list[str]) -> None:
        from hydra_plugins.plugboard_optuna_sweeper._sweep import run_study

        run_study(self.settings, self.config, self.launcher, arguments)
