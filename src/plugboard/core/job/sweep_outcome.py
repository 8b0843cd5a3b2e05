"""What a sweep's jobs ended as, said once the sweep ends: on a cluster each job logs on its node
(a SLURM job to `.submitit/<job id>/`), so a failure would otherwise never reach the terminal
that started the sweep.

A Hydra callback that configs/launcher/slurm.yaml adds. A failed job does not stop a sweep, nor
change its exit status (0, as for a local sweep); this says which jobs failed and why, and
`compare.py <sweep dir>` lists them under its table.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from plugboard.core.job.record import read_metrics

log = logging.getLogger(__name__)


def sweep_outcome(sweep_dir: str | Path) -> str:
    """One line of counts by status, then one line per job that did not end `done` (its error)."""
    jobs = sorted(
        (path for path in Path(sweep_dir).iterdir() if path.is_dir() and path.name.isdigit()),
        key=lambda path: int(path.name),
    )
    records = {job: _record(job) for job in jobs}
    counts = Counter(record.get("status", "unfinished") for record in records.values())
    lines = [f"The sweep ended: {', '.join(f'{n} {status}' for status, n in sorted(counts.items()))}."]
    for job, record in records.items():
        if record.get("status") != "done":
            error = str(record.get("error") or "no record of its end").splitlines()[0]
            lines.append(f"  job {job.name} {record.get('status', 'unfinished')}: {error} ({job})")
    if len(lines) > 1:
        lines.append(f"A failed job does not stop the sweep; `python compare.py {sweep_dir}` lists them.")
    return "\n".join(lines)


def _record(job: Path) -> dict[str, Any]:
    """The job's metrics.json; a missing or half-written one (a killed job) reads as unfinished."""
    try:
        record = read_metrics(job)
    except (OSError, ValueError):
        record = None
    return record if isinstance(record, dict) else {"status": "unfinished"}


class SayHowJobsEnded(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if sweep_dir.is_dir():
            log.info(sweep_outcome(sweep_dir))
