"""The sweeper's settings and the sampler and pruner options, registered in Hydra's ConfigStore.

`hydra/sweeper=plugboard_optuna`, `hydra/sweeper/sampler=tpe|random|grid`,
`hydra/sweeper/pruner=median|hyperband|successive_halving|threshold|nop`. The sampler and pruner
nodes are Optuna constructors (`_target_`) with their arguments; any other argument of the same
class can be added with `+hydra.sweeper.pruner.<name>=...`.
"""

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from plugboard.core.config.sweep_jobs import PLUGBOARD_OPTUNA as SWEEPER


@dataclass
class TPESamplerConfig:
    _target_: str = "optuna.samplers.TPESampler"
    seed: int | None = None
    n_startup_trials: int = 10
    multivariate: bool = False
    # With parallel jobs, pretend running trials scored badly so a batch spreads out.
    constant_liar: bool = False


@dataclass
class RandomSamplerConfig:
    _target_: str = "optuna.samplers.RandomSampler"
    seed: int | None = None


@dataclass
class GridSamplerConfig:
    # The grid is built from hydra.sweeper.params (choice(...) and range(...) only).
    _target_: str = "optuna.samplers.GridSampler"
    _partial_: bool = True
    seed: int | None = None


@dataclass
class NopPrunerConfig:
    _target_: str = "optuna.pruners.NopPruner"


@dataclass
class MedianPrunerConfig:
    # Stops a trial whose best value so far is worse than the median of earlier trials at that epoch.
    _target_: str = "optuna.pruners.MedianPruner"
    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class SuccessiveHalvingPrunerConfig:
    _target_: str = "optuna.pruners.SuccessiveHalvingPruner"
    min_resource: Any = "auto"
    reduction_factor: int = 4
    min_early_stopping_rate: int = 0


@dataclass
class HyperbandPrunerConfig:
    _target_: str = "optuna.pruners.HyperbandPruner"
    min_resource: int = 1
    max_resource: Any = "auto"
    reduction_factor: int = 3


@dataclass
class ThresholdPrunerConfig:
    # Stops a trial whose value falls below `lower` or above `upper` (e.g. a diverging loss).
    _target_: str = "optuna.pruners.ThresholdPruner"
    lower: float | None = None
    upper: float | None = None
    n_warmup_steps: int = 0
    interval_steps: int = 1


@dataclass
class PlugboardOptunaSweeperConfig:
    _target_: str = SWEEPER
    # The sampler and pruner reach the sweeper as settings: it builds them, and each job builds
    # the same pruner again to judge its own trial.
    _recursive_: bool = False
    defaults: list[Any] = field(default_factory=lambda: [{"sampler": "tpe"}, {"pruner": "median"}])
    # Filled by the sampler and pruner groups (a value other than ??? here would replace them).
    sampler: Any = MISSING
    pruner: Any = MISSING
    # minimize or maximize; by default what the monitored metric's mode says (max -> maximize).
    direction: str = "${oc.select:monitor.mode,min}imize"
    study_name: str = "${task_name}"
    # A journal file (the default, outside the timestamped sweep dir, so that the same command
    # continues the study), a database URL (sqlite:///file.db), or null for a study in memory.
    storage: str | None = "${paths.log_dir}/${task_name}/studies/${.study_name}.log"
    # Finished trials (completed or pruned) the study should hold: a second run of the same
    # command only runs the missing ones (failed and interrupted trials are run again).
    n_trials: int = 20
    # Trials asked for at once and handed to the launcher as one batch.
    n_jobs: int = 1
    # Search workers on this study: this process and n_workers - 1 it starts (the same command with
    # hydra.sweeper.worker=k). Each asks for a trial when it is free; none waits for a batch.
    n_workers: int = 1
    # This worker's index: its sweep dir gets `_worker<k>` and its sampler seed moves on by k * 10000.
    # Set it when starting workers by hand or as a SLURM array (worker=$SLURM_ARRAY_TASK_ID).
    worker: int = 0
    # A running trial's worker stamps it this often (seconds); a trial not stamped for grace_period
    # belonged to a worker that died (kill -9, a lost node) and is recorded as failed.
    heartbeat_interval: float = 10.0
    grace_period: float = 60.0
    # Stop when more than this fraction of a batch fails (1.0: record failures and go on).
    max_failure_rate: float = 1.0
    # `key: expression` in Hydra's sweep grammar. A key this config has no place for is left out of
    # the search (and said once); null takes a key out (a preset that extends another does so).
    params: dict[str, str | None] | None = None


def _register() -> None:
    store = ConfigStore.instance()
    store.store(group="hydra/sweeper", name="plugboard_optuna", node=PlugboardOptunaSweeperConfig)
    options = {
        "sampler": {"tpe": TPESamplerConfig, "random": RandomSamplerConfig, "grid": GridSamplerConfig},
        "pruner": {
            "nop": NopPrunerConfig,
            "median": MedianPrunerConfig,
            "successive_halving": SuccessiveHalvingPrunerConfig,
            "hyperband": HyperbandPrunerConfig,
            "threshold": ThresholdPrunerConfig,
        },
    }
    for group, nodes in options.items():
        for name, node in nodes.items():
            store.store(group=f"hydra/sweeper/{group}", name=name, node=node, provider="plugboard")


_register()
