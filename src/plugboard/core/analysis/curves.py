"""Validation curves from each job's CSV log (`<job>/csv/metrics.csv`, written by Lightning's CSVLogger).

The logger writes one row per logging call with empty cells for the metrics not logged then, so a
metric's curve is the rows where its cell is filled. A job still running may have a partial last
line; cells that do not parse as numbers are skipped.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CSV_LOG = "csv/metrics.csv"


@dataclass
class Curve:
    x: list[float]
    y: list[float]
    x_name: str  # "epoch" or "step"
    # For a mean over seeds: the lowest and highest seed at each x, and how many seeds got there.
    low: list[float] | None = None
    high: list[float] | None = None
    count: list[int] | None = None


def curve_metric_for(metric: str) -> str:
    """The validation counterpart of a test metric: test/exact_match -> val/exact_match."""
    stage, slash, name = metric.partition("/")
    return f"val/{name}" if slash and stage.startswith("test") else metric


def read_curve(job_dir: Path, metric: str) -> Curve | None:
    """`metric` against epoch (against step where epochs are missing); None when it was never logged."""
    points = []
    for record in _read_log(job_dir):
        value = _to_float(record.get(metric))
        if value is not None:
            points.append((_to_float(record.get("epoch")), _to_float(record.get("step")), value))
    use_epochs = all(epoch is not None for epoch, _, _ in points)
    by_x = {}
    for epoch, step, value in points:
        x = epoch if use_epochs else step
        if x is not None:
            by_x[x] = value  # a resumed run logs an epoch twice: the later value wins
    if not by_x:
        return None
    xs = sorted(by_x)
    return Curve(xs, [by_x[x] for x in xs], "epoch" if use_epochs else "step")


def mean_curve(curves: list[Curve]) -> Curve:
    """Mean, min and max over seeds at each x; where some seeds stopped early the rest carry on alone."""
    values_at: dict[float, list[float]] = defaultdict(list)
    for curve in curves:
        for x, y in zip(curve.x, curve.y, strict=True):
            values_at[x].append(y)
    xs = sorted(values_at)
    return Curve(
        x=xs,
        y=[statistics.fmean(values_at[x]) for x in xs],
        x_name=curves[0].x_name,
        low=[min(values_at[x]) for x in xs],
        high=[max(values_at[x]) for x in xs],
        count=[len(values_at[x]) for x in xs],
    )


def last_logged_epoch(job_dir: Path) -> int | None:
    """How far a job got, from its CSV log (for jobs that have not written metrics.json)."""
    epochs = [_to_float(record.get("epoch")) for record in _read_log(job_dir)]
    epochs = [epoch for epoch in epochs if epoch is not None]
    return int(max(epochs)) if epochs else None


def _read_log(job_dir: Path) -> list[dict[str, str]]:
    try:
        with open(Path(job_dir) / CSV_LOG, newline="") as file:
            return list(csv.DictReader(file))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def _to_float(text: str | None) -> float | None:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
