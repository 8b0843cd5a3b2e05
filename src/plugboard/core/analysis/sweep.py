"""The jobs of one or more Hydra multirun sweeps, as they stand on disk.

A job dir holds `.hydra/overrides.yaml` from the moment it starts and `metrics.json` once it has
ended, so a sweep still running reads fine: its jobs without metrics.json are "unfinished".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plugboard.core.analysis.ranges import RANGES_KEY, MetricRange, parse_ranges

# Written by plugboard.core.job.record, which is not imported here because it pulls in Lightning.
METRICS_FILE = "metrics.json"
OVERRIDES_FILE = ".hydra/overrides.yaml"
# "pruned": stopped early by a hyper-parameter search (Optuna), which judged it not promising.
STATUSES = ("done", "failed", "pruned")


class SweepNotFoundError(Exception):
    """A path given as a sweep does not exist or holds no Hydra jobs."""


@dataclass
class Job:
    path: Path
    name: str  # the sweep dir's name and the job's subdir, e.g. "2026-11-23_09-33-14/3"
    overrides: dict[str, str]
    status: str  # done | failed | pruned | unfinished
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    duration_s: float | None = None
    # What the run was judged by: {"metric": "val/exact_match", "mode": "max"} (configs' `monitor`).
    monitor: dict[str, str] | None = None
    # What each metric declares: its bounds and direction (see `ranges.py`); empty in older runs.
    metric_ranges: dict[str, MetricRange] = field(default_factory=dict)

    @property
    def seed(self) -> str | None:
        return self.overrides.get("seed")


def load_sweep(paths: str | Path | Iterable[str | Path]) -> list[Job]:
    """Every job under the given sweep dirs, in job order (0, 1, 2, ..., 10).

    Raises SweepNotFoundError when a path does not exist or holds no jobs.
    """
    sweep_dirs = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(path) for path in paths]
    if not sweep_dirs:
        raise SweepNotFoundError("no sweep dir given")
    jobs, seen = [], set()
    for sweep_dir in sweep_dirs:
        if not sweep_dir.is_dir():
            raise SweepNotFoundError(f"no such directory: {sweep_dir}")
        job_dirs = sorted(
            (overrides.parent.parent for overrides in sweep_dir.rglob(OVERRIDES_FILE)),
            key=lambda job_dir: _natural_order(job_dir.relative_to(sweep_dir)),
        )
        if not job_dirs:
            raise SweepNotFoundError(f"no Hydra jobs (no {OVERRIDES_FILE}) under {sweep_dir}")
        for job_dir in job_dirs:
            if job_dir.resolve() not in seen:
                seen.add(job_dir.resolve())
                jobs.append(read_job(job_dir, name=job_dir.relative_to(sweep_dir.parent).as_posix()))
    return jobs


def read_job(job_dir: Path, name: str | None = None) -> Job:
    """One job; an unreadable metrics.json makes it a failed job that says why, never an exception."""
    name = name or job_dir.name
    try:
        overrides = _parse_overrides(yaml.safe_load((job_dir / OVERRIDES_FILE).read_text()))
    except (OSError, yaml.YAMLError, ValueError) as error:
        return Job(job_dir, name, {}, "failed", error=f"unreadable {OVERRIDES_FILE}: {error}")
    metrics_file = job_dir / METRICS_FILE
    if not metrics_file.exists():
        return Job(job_dir, name, overrides, "unfinished")
    try:
        record = _parse_record(metrics_file.read_text())
    except (OSError, ValueError) as error:
        return Job(job_dir, name, overrides, "failed", error=f"unreadable {METRICS_FILE}: {error}")
    return Job(
        job_dir,
        name,
        overrides,
        record["status"],
        metrics=record["metrics"],
        error=record["error"],
        duration_s=record["duration_s"],
        monitor=record["monitor"],
        metric_ranges=record["metric_ranges"],
    )


def newest_sweep(log_root: str | Path) -> Path:
    """The most recently modified sweep dir under `<log_root>/*/multiruns/`."""
    sweeps = [path for path in Path(log_root).glob("*/multiruns/*") if path.is_dir()]
    if not sweeps:
        raise SweepNotFoundError(f"no sweep under {log_root}/*/multiruns/ (run `python train.py -m ...`)")
    return max(sweeps, key=lambda path: path.stat().st_mtime)


def _parse_overrides(items: Any) -> dict[str, str]:
    """Hydra's `["seed=1", "model/attention=dot", "+trainer.x=2"]` as a dict (a leading + dropped)."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise ValueError("expected a list of key=value overrides")
    overrides = {}
    for item in map(str, items):
        key, _, value = item.partition("=")
        overrides[key.lstrip("+")] = value
    return overrides


def _parse_record(text: str) -> dict[str, Any]:
    if not text.strip():
        raise ValueError("the file is empty")
    record = json.loads(text)  # json.JSONDecodeError is a ValueError
    if not isinstance(record, dict) or record.get("status") not in STATUSES:
        raise ValueError(f"expected an object with a status of {' or '.join(STATUSES)}")
    metrics = record.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise ValueError("'metrics' is not an object")
    duration = record.get("duration_s")
    monitor = record.get("monitor")
    return {
        "monitor": monitor if isinstance(monitor, dict) and isinstance(monitor.get("metric"), str) else None,
        "status": record["status"],
        "metrics": {name: float(value) for name, value in metrics.items() if _is_number(value)},
        "error": str(record["error"]) if record.get("error") else None,
        "duration_s": float(duration) if _is_number(duration) else None,
        "metric_ranges": parse_ranges(record.get(RANGES_KEY)),
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _natural_order(path: Path) -> list[tuple[int, int | str]]:
    """Job dirs named 0..N sort as numbers, so job 10 comes after job 9."""
    parts = [piece for part in path.parts for piece in re.split(r"(\d+)", part) if piece]
    return [(0, int(piece)) if piece.isdigit() else (1, piece) for piece in parts]
