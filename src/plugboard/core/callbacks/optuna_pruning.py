"""Reports the monitored validation metric to this job's Optuna trial each epoch, and ends the
job as pruned when the study's pruner says so.

The job runs apart from the sweeper (another process with most launchers), so it reopens the
study from its storage and acts for its trial by number (see hydra_plugins.plugboard_optuna_sweeper
.study). Outside a sweep by that sweeper the callback does nothing. optuna-integration's
PyTorchLightningPruningCallback wants the live trial object, which a job in another process
never has, and refuses DDP with anything but a database; here rank 0 reports and decides, and
every rank stops together.
"""

from __future__ import annotations

import os

import lightning as L

from plugboard.core.errors import ConfigError
from plugboard.core.job import JobPruned
from plugboard.core.job.logs import get_logger
from plugboard.core.job.optuna_trial import PRUNED_ATTR, TRIAL_ENV, trial_of_this_job

log = get_logger(__name__)


class OptunaPruning(L.Callback):
    """Prunes on `monitor` (the config's `monitor.metric`), reported with the epoch as the step."""

    def __init__(self, monitor: str) -> None:
        self.monitor = monitor
        self._trial = None
        self._active = False

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        # The environment is the same on every rank, so all ranks take part in the broadcast or none.
        self._active = False
        if stage != "fit" or TRIAL_ENV not in os.environ:
            return
        if trainer.is_global_zero:
            self._trial = trial_of_this_job()
            if self._trial is not None:
                log.info(f"Reporting {self.monitor} to Optuna trial {self._trial.number} after each epoch")
        self._active = trainer.strategy.broadcast(self._trial is not None, src=0)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._active or trainer.sanity_checking:
            return
        prune, value = False, None
        if trainer.is_global_zero:
            value = self._monitored_value(trainer)
            epoch = trainer.current_epoch
            self._trial.report(value, step=epoch)
            prune = self._trial.should_prune()
            if prune:  # read by the sweeper, which then records the trial as pruned
                self._trial.set_user_attr(PRUNED_ATTR, epoch)
        prune, value = trainer.strategy.broadcast((prune, value), src=0)
        if prune:
            metrics = {name: float(metric) for name, metric in trainer.callback_metrics.items()}
            raise JobPruned(
                f"Pruned by the Optuna sweep after epoch {trainer.current_epoch}: "
                f"{self.monitor} = {value:.6g} was not promising",
                metrics,
            )

    def _monitored_value(self, trainer: L.Trainer) -> float:
        if self.monitor not in trainer.callback_metrics:
            logged = ", ".join(sorted(name for name in trainer.callback_metrics if name.startswith("val")))
            raise ConfigError(
                f"Pruning watches {self.monitor}, which the model does not log in validation "
                f"(it logs: {logged or 'nothing'}). Set monitor.metric to one of those."
            )
        return float(trainer.callback_metrics[self.monitor])
