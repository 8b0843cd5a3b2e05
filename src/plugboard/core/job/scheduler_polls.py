"""A SLURM sweep's polls said once: submitit asks `sacct` for its jobs' states at every poll, and on
a cluster without an accounting database (slurmdbd) logs the same warning each time. The warning is
shown the first time, with what it means: submitit then learns that a job ended only from the
result file the job writes, so a job killed before it writes one (scancel, out of memory, a lost
node) keeps the sweep waiting.

A Hydra callback that configs/launcher/slurm.yaml adds. `sacct` itself also prints "Slurm
accounting storage is disabled" on its stderr at each poll; only accounting silences that line
(most clusters keep it; scripts/local_slurm.sh does not).
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
            f"{record.getMessage()} This cluster keeps no accounting (sacct answers nothing): a job is "
            "seen to end only by the result it writes, so one killed before that (scancel, out of "
            "memory) keeps the sweep waiting; accounting (slurmdbd) avoids it. This warning is shown once."
        )
        record.args = ()
        return True


class QuietSchedulerPolls(Callback):
    def on_multirun_start(self, config: Any = None, **kwargs: Any) -> None:
        logger = logging.getLogger("submitit")
        if not any(isinstance(existing, OncePerSweep) for existing in logger.filters):
            logger.addFilter(OncePerSweep())
