"""One run dir per job, whatever starts its processes: rank 0 decides it, every other rank uses it.

- Lightning's DDP launcher starts ranks > 0 itself, as `python <script> <sys.argv[1:]>
  hydra.run.dir=<rank 0's run dir>`. `command_line_of_this_job` makes that command line the
  running job's own (its overrides and dir, no `-m`), so under a sweep the other ranks join
  this job, once, instead of starting the whole sweep again in a second multirun dir.
- torchrun and SLURM (`srun`) start every process themselves and each one runs Hydra, which
  would name its own timestamped dir. They agree through a small file named after the launch
  (`TORCHELASTIC_RUN_ID`, `SLURM_JOB_ID`): rank 0 claims the dir and writes its path there, the
  others wait for it. A requeued SLURM job keeps its id, so it goes on in its own dir.

Only rank 0 writes the run record, `.hydra/` and the loggers' files; other ranks log to
`<job name>_rank<N>.log` (see configs/hydra/default.yaml). Nothing here imports torch: it runs
before the job, while Hydra answers alone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, read_write

from plugboard.core.errors import ConfigError
from plugboard.core.resume import claim_run_dir

log = logging.getLogger(__name__)

LAUNCHES_DIR = ".launches"  # beside runs/ and multiruns/ in logs/<task>/
WAIT_FOR_RANK_ZERO_S = 300.0
# A record left by an earlier torchrun launch without a run id ("none") on the same port is
# older than this; the processes of one launch start within seconds of each other.
FRESH_RECORD_S = 120.0
# Hydra overrides that belong to the sweep, not to one job of it.
SWEEP_ONLY = ("hydra.mode", "hydra.run.", "hydra.sweep", "hydra/sweeper", "hydra.launcher", "hydra/launcher")
SWEEP_ONLY += ("hydra.job.name", "hydra.output_subdir")


def process_rank(env: Mapping[str, str] = os.environ) -> int:
    """The global rank torchrun (`RANK`) or SLURM (`SLURM_PROCID`) gave this process; 0 otherwise."""
    for name in ("RANK", "SLURM_PROCID"):
        if env.get(name, "").isdigit():
            return int(env[name])
    return 0


@dataclass(frozen=True)
class Launch:
    """The processes one torchrun or srun command started: a name they share and this one's rank."""

    key: str
    rank: int
    # The key names this launch only (a SLURM job id, a torchrun run id): a record found under
    # it is this launch's own, from before a requeue or restart.
    unique: bool

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> Launch | None:
        rank = process_rank(env)
        run_id = env.get("TORCHELASTIC_RUN_ID")
        if run_id is not None and run_id != "none":
            return cls(f"torchrun-{run_id}", rank, unique=True)
        if run_id is not None:  # static rendezvous without --rdzv-id: the address names the launch
            return cls(f"torchrun-{env.get('MASTER_ADDR')}-{env.get('MASTER_PORT')}", rank, unique=False)
        if env.get("SLURM_JOB_ID") and "SLURM_PROCID" in env and not _interactive_slurm(env):
            step = env.get("SLURM_STEP_ID", "batch")
            return cls(f"slurm-{env['SLURM_JOB_ID']}-{step}", rank, unique=True)
        return None


def agreed_run_dir(resolved: str | Path, ckpt_path: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """The run dir of this process: its own claim, or for a multi-process launch rank 0's."""
    launch = Launch.from_environment(env)
    if launch is None:
        return claim_run_dir(resolved, ckpt_path)
    record = Path(resolved).parent.parent / LAUNCHES_DIR / f"{launch.key}.json"
    if launch.rank > 0:
        return _wait_for_rank_zero(record, launch)
    earlier = _read(record) if launch.unique else None
    if earlier is not None and earlier.is_dir():
        log.warning(f"{launch.key} ran before (requeued or restarted): going on in {earlier}")
        return earlier
    chosen = claim_run_dir(resolved, ckpt_path)
    record.parent.mkdir(parents=True, exist_ok=True)
    temporary = record.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"run_dir": str(chosen), "host": socket.gethostname()}) + "\n")
    temporary.replace(record)
    return chosen


class OneRunDirPerJob(Callback):
    """Hydra callback (configs/hydra/default.yaml): fixes the run dir as a run starts.

    Composing a config creates nothing; the dir is claimed here, once, by rank 0."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _log_file_with_rank(config, process_rank())
        given = OmegaConf.to_container(config.hydra.run, resolve=False)["dir"]
        if not str(given).startswith("${plugboard_run_dir:"):
            return  # a dir on the command line, e.g. rank 0's passed to Lightning's DDP processes
        chosen = agreed_run_dir(config.hydra.run.dir, config.get("ckpt_path"))
        with read_write(config.hydra.run):
            config.hydra.run.dir = str(chosen)

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        """A launch named only by its address leaves no record for the next one on that port."""
        launch = Launch.from_environment()
        if launch is not None and launch.rank == 0 and not launch.unique:
            (Path(config.hydra.run.dir).parent.parent / LAUNCHES_DIR / f"{launch.key}.json").unlink(
                missing_ok=True
            )


@contextmanager
def command_line_of_this_job(output_dir: Path) -> Iterator[None]:
    """While a job runs, `sys.argv` and Hydra's run dir are this job's own; restored afterwards.

    Lightning's DDP launcher builds the command of ranks > 0 from them. Afterwards the job's
    process group is ended and the environment variables the launcher set (LOCAL_RANK,
    MASTER_PORT, ...) restored: left as they are, the next job of a sweep would talk to
    processes that have exited, or wait for ones nobody starts.
    """
    if not HydraConfig.initialized():
        yield
        return
    hydra = HydraConfig.get()
    argv, environment = list(sys.argv), dict(os.environ)
    own_hydra = [item for item in hydra.overrides.hydra if not item.startswith(SWEEP_ONLY)]
    sys.argv = [argv[0], *hydra.overrides.task, *own_hydra]
    with read_write(hydra.run):
        hydra.run.dir = str(output_dir)
    try:
        yield
    finally:
        _end_process_group()
        sys.argv = argv
        for name in set(os.environ) - set(environment):
            del os.environ[name]
        os.environ.update(environment)


def _log_file_with_rank(config: DictConfig, rank: int) -> None:
    """Ranks > 0 that torchrun or SLURM started log to `<job name>_rank<N>.log` beside rank 0's."""
    handler = OmegaConf.select(config, "hydra.job_logging.handlers.file")
    if rank == 0 or handler is None or "filename" not in handler:
        return  # rank 0, or a logging config without a file (hydra/job_logging=stdout, ...)
    filename = str(OmegaConf.to_container(handler, resolve=False)["filename"])
    with read_write(handler):
        handler.filename = filename.removesuffix(".log") + f"_rank{rank}.log"


def _end_process_group() -> None:
    distributed = sys.modules.get("torch.distributed")  # never imported here for its own sake
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        distributed.destroy_process_group()


def _wait_for_rank_zero(record: Path, launch: Launch) -> Path:
    started = time.time()
    while time.time() - started < WAIT_FOR_RANK_ZERO_S:
        fresh = launch.unique or (record.is_file() and record.stat().st_mtime > started - FRESH_RECORD_S)
        if fresh and (run_dir := _read(record)) is not None:
            return run_dir
        time.sleep(0.2)
    raise ConfigError(
        f"Rank {launch.rank} waited {WAIT_FOR_RANK_ZERO_S:.0f} s for rank 0 to name the run dir in "
        f"{record}. Every process of a launch must see the same logs folder (paths.log_dir on a "
        "filesystem shared by all nodes); or give them all the same hydra.run.dir=<dir>."
    )


def _read(record: Path) -> Path | None:
    try:
        return Path(json.loads(record.read_text())["run_dir"])
    except (OSError, ValueError, KeyError):
        return None


def _interactive_slurm(env: Mapping[str, str]) -> bool:
    """An `salloc` shell: Lightning does not treat it as a SLURM launch, nor do we."""
    return env.get("SLURM_JOB_NAME") in ("bash", "interactive")
