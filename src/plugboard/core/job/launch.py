"""The processes of one job, and the process-wide state a job changes while it runs (all of it).

A job changes three things that belong to the whole process, here and nowhere else, inside
`command_line_of_this_job` (entered by `plugboard.core.job.run.run_job` around the work), and
puts each back when it ends:

1. `sys.argv` becomes the job's own command line (its overrides, no `-m`, no sweep-only Hydra
   overrides). Lightning's DDP launcher starts ranks > 0 as `python <script> <sys.argv[1:]>
   hydra.run.dir=<rank 0's dir>`; with the sweep's command line, each would start the whole
   sweep again in a second multirun dir (Lightning #11300, Hydra #2070).
2. Hydra's `hydra.run.dir` becomes the job's run dir, which Lightning passes to those ranks.
   Under a sweep it would otherwise be the unexpanded `runs/<time>` of a single run.
3. The environment: Lightning's launcher sets `LOCAL_RANK`, `MASTER_PORT`, ... for the process
   group. When the job ends the process group is destroyed, then the variables removed: left as
   they are, the next job of a sweep would talk to processes that have exited.

Order matters: 1 and 2 before the Trainer is built (Lightning reads them when it launches), the
process group ended before the environment is restored (destroying it reads those variables).

Which launch a process belongs to (`Launch`) is read from the variables torchrun and SLURM set;
nothing here imports torch: it runs before the job, while Hydra answers alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, read_write

from plugboard.core.job.ranks import global_rank

# Hydra overrides that belong to the sweep, not to one job of it.
SWEEP_ONLY = ("hydra.mode", "hydra.run.", "hydra.sweep", "hydra/sweeper", "hydra.launcher", "hydra/launcher")
SWEEP_ONLY += ("hydra.job.name", "hydra.output_subdir")


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
        rank = global_rank(env)
        run_id = env.get("TORCHELASTIC_RUN_ID")
        if run_id is not None and run_id != "none":
            return cls(f"torchrun-{run_id}", rank, unique=True)
        if run_id is not None:  # static rendezvous without --rdzv-id: the address names the launch
            return cls(f"torchrun-{env.get('MASTER_ADDR')}-{env.get('MASTER_PORT')}", rank, unique=False)
        if env.get("SLURM_JOB_ID") and "SLURM_PROCID" in env and not _interactive_slurm(env):
            step = env.get("SLURM_STEP_ID", "batch")
            return cls(f"slurm-{env['SLURM_JOB_ID']}-{step}", rank, unique=True)
        return None


@contextmanager
def command_line_of_this_job(output_dir: Path) -> Iterator[None]:
    """While a job runs, `sys.argv`, Hydra's run dir and the environment are this job's own (see
    the module docstring for why, and the order); restored afterwards."""
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


def log_file_of_rank(config: DictConfig, rank: int) -> None:
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


def _interactive_slurm(env: Mapping[str, str]) -> bool:
    """An `salloc` shell: Lightning does not treat it as a SLURM launch, nor do we."""
    return env.get("SLURM_JOB_NAME") in ("bash", "interactive")
