"""The study both sides open: the sweeper to ask and tell, each job to report and be pruned.

A job learns which trial it runs from one environment variable the sweeper sets for it
(through `hydra.job.env_set`, so any launcher passes it on); everything else (storage, study
name, pruner) comes from the job's own `hydra.sweeper` settings, the same the sweeper read.
Optuna is imported inside the functions: Hydra imports this module at every start-up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.utils import instantiate
from omegaconf import DictConfig

if TYPE_CHECKING:
    import optuna

TRIAL_ENV = "PLUGBOARD_OPTUNA_TRIAL"
# Set on a trial by the job that pruned it; the sweeper then tells Optuna the trial was pruned.
PRUNED_ATTR = "pruned_at_epoch"


def open_storage(storage: str | None) -> Any:
    """A journal file (any path), a database (a URL with "://") or, for None, memory."""
    from optuna.storages import InMemoryStorage, JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend

    if storage is None:
        return InMemoryStorage()
    if "://" in str(storage):
        return RDBStorage(str(storage))

    path = Path(storage).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return JournalStorage(JournalFileBackend(str(path)))


def open_study(settings: DictConfig) -> optuna.Study:
    """Creates the study, or loads it with everything it holds when the storage has it already;
    the sweeper sets its sampler."""
    import optuna

    return optuna.create_study(
        study_name=settings.study_name,
        storage=open_storage(settings.storage),
        sampler=optuna.samplers.RandomSampler(),
        pruner=instantiate(settings.pruner),
        direction=normalised_direction(settings.direction),
        load_if_exists=True,
    )


def normalised_direction(direction: str) -> str:
    """Optuna's "minimize"/"maximize"; "min"/"max" (a metric's mode) are accepted too."""
    value = str(direction).lower()
    for name in ("minimize", "maximize"):
        if value in (name, name[:3]):
            return name
    raise ValueError(f"hydra.sweeper.direction is {direction!r}; use minimize or maximize (min or max)")


def trial_of_this_job() -> optuna.Trial | None:
    """The running trial this job was launched for; None outside a sweep by this sweeper."""
    number = os.environ.get(TRIAL_ENV)
    if number is None:
        return None
    import optuna
    from hydra.core.hydra_config import HydraConfig

    settings = HydraConfig.get().sweeper
    if settings.storage is None:  # a study in memory lives in the sweeper's process only
        return None
    storage = open_storage(settings.storage)
    pruner = instantiate(settings.pruner)
    study = optuna.load_study(study_name=settings.study_name, storage=storage, pruner=pruner)
    study_id = storage.get_study_id_from_name(settings.study_name)
    trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, int(number))
    return optuna.trial.Trial(study, trial_id)
