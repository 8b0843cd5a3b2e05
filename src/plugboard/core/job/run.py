"""What every entry point does around its work: the config check, the run record, user errors.

- The config is checked first (`plugboard.core.config.check_config`), before the config tree
  is printed or anything built, so a config error is the last thing the user sees.
- `metrics.json` in the run dir ends as `done` (with the metrics), `failed` (with the error),
  `interrupted` (SIGTERM, Ctrl-C) or, when a hyper-parameter search stopped the job early
  (JobPruned), `pruned` (with the last metrics).
- A user error (`plugboard.core.errors`) is printed as one paragraph and exits with status 1; a bug
  keeps its traceback. `HYDRA_FULL_ERROR=1` shows the traceback for both.
- In a sweep a failed job is recorded and the sweep goes on; re-running a sweep into the same
  dir (`hydra.sweep.dir=...`) skips the jobs already `done` with the same overrides.
- The run dir has one writer from the check to the final record (`plugboard.core.job.run_lock`):
  a job whose dir another process holds stops (a sweep's job is skipped) and writes nothing there.

The work runs inside two contexts, outer first: `device_for_this_job` (a GPU of the sweep's
pool, `plugboard.core.job.device_pool`), then `command_line_of_this_job` (the process-wide state
a job changes, `plugboard.core.job.launch`). On the way out the job's process group is ended
before its GPU goes back to the pool, so the next job never shares a device with a live group.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from plugboard.core.errors import ConfigError, user_message
from plugboard.core.job.compile_cache import (
    compile_cache_counts,
    keep_compiled_code_in_project,
    report_compile_cache_use,
)
from plugboard.core.job.device_pool import device_for_this_job
from plugboard.core.job.extras import apply_extras
from plugboard.core.job.launch import command_line_of_this_job
from plugboard.core.job.logs import get_logger, route_lightning_logs
from plugboard.core.job.record import RANGES_KEY, read_metrics, write_metrics, write_run_info
from plugboard.core.job.run_files import RunDirError, cannot_write
from plugboard.core.job.run_lock import RunDirBusy, one_writer, take

log = get_logger(__name__)

Work = Callable[[DictConfig], dict[str, float]]


class JobPruned(Exception):
    """Raised inside a job (by a pruning callback) to end it early: recorded as `pruned`, not failed."""

    def __init__(self, message: str, metrics: dict[str, float]) -> None:
        super().__init__(message)
        self.metrics = metrics


def run_job(
    cfg: DictConfig, work: Work, entry_point: str, keys: Mapping[str, Any] | None = None, **fields: Any
) -> dict[str, float] | None:
    """Checks `cfg` for `entry_point` ("train", "eval", ...; `keys`: the top-level keys a family's
    own entry point reads, see `check_config`), runs `work(cfg)` in the run dir and records the
    outcome, with `fields` added to the record; None when the job failed in a sweep or was pruned."""
    output_dir = Path(cfg.paths.output_dir)
    overrides = _overrides()
    in_sweep = _in_sweep()
    if in_sweep and (record := _finished_record(output_dir, overrides)) is not None:
        log.info(f"Skipping {output_dir}: already done with the same overrides")
        return record["metrics"]
    try:
        take(output_dir)  # a single run took it before Hydra wrote; a sweep's job takes it here
    except Exception as error:  # held by another process, or a lock file that cannot be made
        message = str(
            error if isinstance(error, RunDirBusy | RunDirError) else cannot_write(output_dir, error)
        )
        if not in_sweep:
            print(f"\nError: {message}", file=sys.stderr)
            sys.exit(1)
        log.error(f"Job not run, the sweep goes on: {message}")
        return None
    with one_writer(output_dir):
        return _run_and_record(cfg, work, entry_point, keys, output_dir, overrides, in_sweep, fields)


def _run_and_record(
    cfg: DictConfig,
    work: Work,
    entry_point: str,
    keys: Mapping[str, Any] | None,
    output_dir: Path,
    overrides: list[str],
    in_sweep: bool,
    fields: dict[str, Any],
) -> dict[str, float] | None:
    started = time.time()

    def record(status: str, metrics: dict[str, Any] | None = None, **details: Any) -> None:
        duration_s = round(time.time() - started, 2)
        write_metrics(
            output_dir, status, metrics, overrides=overrides, duration_s=duration_s, **details, **fields
        )

    try:
        _check(cfg, entry_point, keys)
        route_lightning_logs()
        apply_extras(cfg, output_dir)
        keep_compiled_code_in_project(cfg)
        compiled_before = compile_cache_counts()
        write_run_info(output_dir)
        with device_for_this_job(cfg), command_line_of_this_job(output_dir):
            metrics = work(cfg)
        report_compile_cache_use(compiled_before)
    except JobPruned as pruned:
        record("pruned", pruned.metrics, error=str(pruned))
        log.info(str(pruned))
        return None
    except Exception as error:
        message = user_message(error)
        record("failed", error=message or f"{type(error).__name__}: {error}")
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        if in_sweep:
            log.error(f"Job failed, the sweep goes on: {message or traceback.format_exc()}")
            return None
        if message is None:
            raise
        print(f"\nError: {message}\n(Set HYDRA_FULL_ERROR=1 for the full traceback.)", file=sys.stderr)
        sys.exit(1)
    except (KeyboardInterrupt, SystemExit) as stop:  # preemption (SIGTERM) or Ctrl-C
        record("interrupted", error="Stopped before the end; `python train.py ckpt_path=last` resumes it.")
        if _stopped_by_sigterm(stop):  # exit as a process stopped by SIGTERM does
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        _finish_wandb()

    details = {"best_checkpoint": metrics.pop("best_checkpoint", None)}
    if RANGES_KEY in metrics:
        details[RANGES_KEY] = metrics.pop(RANGES_KEY)
    record("done", metrics, **details)
    log.info(f"Metrics written to {output_dir / 'metrics.json'}")
    return metrics


def objective(metrics: dict[str, float] | None, name: str | None) -> float | None:
    """The value a sweeper optimises; None for a failed job (Optuna then records a failed trial
    and goes on, where NaN would stop the search)."""
    if not name or metrics is None:
        return None
    return metrics.get(name)


def _check(cfg: DictConfig, entry_point: str, keys: Mapping[str, Any] | None) -> None:
    """What can be known wrong before anything is built or printed: every bad value at once."""
    from plugboard.core.checkpoints.load import CheckpointError, check_is_checkpoint_file
    from plugboard.core.checkpoints.resume import LAST
    from plugboard.core.config import check_config  # imports the classes it checks

    check_config(cfg, entry_point, keys)
    checkpoint = cfg.get("ckpt_path")
    if isinstance(checkpoint, str) and checkpoint != LAST and Path(checkpoint).exists():
        check_is_checkpoint_file(checkpoint)  # an empty, text or other file: said before the tree
    start = cfg.get("init_from")
    if isinstance(start, str) and not checkpoint:  # a resumed run does not read it again
        try:
            check_is_checkpoint_file(start)
        except CheckpointError as error:
            raise ConfigError(f"init_from={start}: {error}") from None


def _finished_record(output_dir: Path, overrides: list[str]) -> dict | None:
    try:
        record = read_metrics(output_dir)
    except ValueError:  # a half-written or corrupt file: run the job again
        return None
    if record and record.get("status") == "done" and record.get("overrides") == overrides:
        return record
    return None


def _overrides() -> list[str]:
    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def _in_sweep() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _stopped_by_sigterm(stop: BaseException) -> bool:
    """Lightning turns SIGTERM into its SIGTERMException (only possible once Lightning is loaded)."""
    exceptions = sys.modules.get("lightning.pytorch.utilities.exceptions")
    return exceptions is not None and isinstance(stop, exceptions.SIGTERMException)


def _finish_wandb() -> None:
    """Jobs of a sweep share one process: end this job's wandb run so the next one starts its own."""
    wandb = sys.modules.get("wandb")
    if wandb is not None and getattr(wandb, "run", None) is not None:
        wandb.finish()
