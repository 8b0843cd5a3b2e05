"""A SLURM sweep's polls said once: submitit asks `sacct` for its jobs' states at every poll, and on
a cluster without an accounting database (a small or local cluster) logs the same warning each
time, then reads the states from squeue. The warning is shown the first time, with what it means.

A Hydra callback that configs/launcher/slurm.yaml adds. `sacct` itself also prints "Slurm
accounting storage is disabled" on its stderr at each poll; only an accounting database
(slurmdbd) silences that line.
"""

from __future__ import annotations

import logging
from typing import Any

from hydra.experimental.callback import Callback

SACCT_WARNING = "Bypassing sacct error"


class OncePerSweep(logging.Filter):
    """Lets the first sacct warning through, with a line saying what it means, and drops the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if SACCT_WARNING not in record.getMessage():
            return True
        if self.said:
            return False
        self.said = True
        record.msg = (
            f"{record.getMessage()} This cluster keeps no accounting (sacct): job states are read from "
            "squeue instead, which is enough for the sweep; this warning is shown once."
        )
        record.args = ()
        return True


class QuietSchedulerPolls(Callback):
    def on_multirun_start(self, config: Any = None, **kwargs: Any) -> None:
        logger = logging.getLogger("submitit")
        if not any(isinstance(existing, OncePerSweep) for existing in logger.filters):
            logger.addFilter(OncePerSweep())
