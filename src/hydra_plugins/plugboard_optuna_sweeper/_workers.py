"""`hydra.sweeper.n_workers=N`: this process is one worker of the search and starts N-1 more.

Each other worker is the same command again, as its own process, with `hydra.sweeper.worker=k`
and the sweep dir `<this sweep dir>_worker<k>` (one writer per dir). It opens the same study and
asks for trials on its own (`_claims.py`), so N copies of the command started by hand or as a
SLURM array do exactly what this does. They end when the study is done; this process waits for
them before it returns.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys

from omegaconf import DictConfig

from plugboard.core.errors import SweepError

log = logging.getLogger(__name__)
# Words of the command that each started worker gets a value of its own for.
REPLACED = re.compile(r"^\+{0,2}hydra\.(sweeper\.n_workers|sweeper\.worker|sweep\.dir)=")


def start_other_workers(settings: DictConfig, config: DictConfig) -> list[subprocess.Popen]:
    """Starts workers `worker + 1` ... `worker + n_workers - 1`; none for n_workers=1."""
    if settings.n_workers <= 1:
        return []
    if settings.storage is None:
        raise SweepError(
            f"hydra.sweeper.n_workers={settings.n_workers} needs a study every worker opens, and "
            "hydra.sweeper.storage is null (a study in memory): use the journal file (the default) or "
            "a database URL"
        )
    sweep_dir = str(config.hydra.sweep.dir).removesuffix(f"_worker{settings.worker}")
    command = [sys.executable, *(word for word in sys.argv if not REPLACED.match(word))]
    workers = []
    for worker in range(settings.worker + 1, settings.worker + settings.n_workers):
        own = [
            "hydra.sweeper.n_workers=1",
            f"hydra.sweeper.worker={worker}",
            f"hydra.sweep.dir={sweep_dir}_worker{worker}",
        ]
        workers.append(subprocess.Popen([*command, *own]))
    log.info(f"Started {len(workers)} more search workers on this study, sweep dirs {sweep_dir}_worker<k>")
    return workers


def wait_for_other_workers(workers: list[subprocess.Popen]) -> None:
    """Waits for the workers this one started; one that failed fails the search."""
    for worker in workers:
        worker.wait()
    failed = [
        f"pid {worker.pid} (exit status {worker.returncode})" for worker in workers if worker.returncode
    ]
    if failed:
        raise SweepError(
            f"Search workers ended with an error: {', '.join(failed)}; each one's log is in its sweep dir"
        )
