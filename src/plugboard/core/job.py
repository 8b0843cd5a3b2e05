"""What every entry point does around its work: the run record, user errors, sweep behaviour.

- `metrics.json` in the run dir ends as `done` (with the metrics), `failed` (with the error) or,
  when a hyper-parameter search stopped the job early (JobPruned), `pruned` (with the last metrics).
- A user error (`plugboard.core.errors`) is printed as one paragraph and exits with status 1; a bug
  keeps its traceback. `HYDRA_FULL_ERROR=1` shows the traceback for both.
- In a sweep a failed job is recorded and the sweep goes on; re-running a sweep into the same
  dir (`hydra.sweep.dir=...`) skips the jobs already `done` with the same overrides.
- Processes a DDP job starts join this job in its dir (`launch`); with `launcher=joblib` on a
  multi-GPU machine each job trains on its own GPU (`device_pool`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from plugboard.core.device_pool import device_for_this_job
from plugboard.core.errors import user_message
from plugboard.core.extras import apply_extras
from plugboard.core.launch import command_line_of_this_job
from plugboard.core.logging import get_logger, route_lightning_logs
from plugboard.core.run_record import read_metrics, write_metrics, write_run_info

log = get_logger(__name__)

Work = Callable[[DictConfig], dict[str, float]]


class JobPruned(Exception):
    """Raised inside a job (by a pruning callback) to end it early: recorded as `pruned`, not failed."""

    def __init__(self, message: str, metrics: dict[str, float]) -> None:
        super().__init__(message)
        self.metrics = metrics


def run_job(
    cfg: DictConfig, work: Work, check: Callable[[DictConfig], None] | None = None, **fields: Any
) -> dict[str, float] | None:
    """Runs `work(cfg)` in the run dir and records the outcome; None when the job failed in a sweep
    or was pruned. `check(cfg)` runs first, before the config tree is printed, so that a config
    error is the last thing the user sees."""
    output_dir = Path(cfg.paths.output_dir)
    overrides = _overrides()
    in_sweep = _in_sweep()
    if in_sweep and (record := _finished_record(output_dir, overrides)) is not None:
        log.info(f"Skipping {output_dir}: already done with the same overrides")
        return record["metrics"]

    started = time.time()
    try:
        if check is not None:
            check(cfg)
        route_lightning_logs()
        apply_extras(cfg, output_dir)
        write_run_info(output_dir)
        with command_line_of_this_job(output_dir), device_for_this_job(cfg):
            metrics = work(cfg)
    except JobPruned as pruned:
        write_metrics(
            output_dir,
            "pruned",
            pruned.metrics,
            error=str(pruned),
            overrides=overrides,
            duration_s=round(time.time() - started, 2),
            **fields,
        )
        log.info(str(pruned))
        return None
    except Exception as error:
        message = user_message(error)
        write_metrics(
            output_dir,
            "failed",
            error=message or f"{type(error).__name__}: {error}",
            overrides=overrides,
            duration_s=round(time.time() - started, 2),
            **fields,
        )
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
        write_metrics(
            output_dir,
            "interrupted",
            error="Stopped before the end; `python train.py ckpt_path=last` resumes it.",
            overrides=overrides,
            duration_s=round(time.time() - started, 2),
            **fields,
        )
        if _stopped_by_sigterm(stop):  # exit as a process stopped by SIGTERM does
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        _finish_wandb()

    best_checkpoint = metrics.pop("best_checkpoint", None)
    write_metrics(
        output_dir,
        "done",
        metrics,
        best_checkpoint=best_checkpoint,
        overrides=overrides,
        duration_s=round(time.time() - started, 2),
        **fields,
    )
    log.info(f"Metrics written to {output_dir / 'metrics.json'}")
    return metrics


def objective(metrics: dict[str, float] | None, name: str | None) -> float | None:
    """The value a sweeper optimises; None for a failed job (Optuna then records a failed trial
    and goes on, where NaN would stop the search)."""
    if not name or metrics is None:
        return None
    return metrics.get(name)


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
