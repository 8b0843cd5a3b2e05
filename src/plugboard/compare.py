"""A leaderboard of one or more sweeps: configurations that differ only by seed are grouped
and each metric is reported as mean ± std over seeds, best first.

Every job dir of a Hydra multirun holds `.hydra/overrides.yaml` and (once it has ended)
`metrics.json`; nothing else is needed, so this also works on a sweep still running.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from plugboard.utils.run_record import read_metrics

IGNORED_OVERRIDE_KEYS = ("seed", "hydra.", "paths.")


@dataclass
class Job:
    path: Path
    overrides: dict[str, str]
    status: str  # done | failed | unfinished
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    duration_s: float | None = None


@dataclass
class Row:
    configuration: dict[str, str]
    jobs: list[Job]

    def values(self, metric: str) -> list[float]:
        return [job.metrics[metric] for job in self.jobs if metric in job.metrics]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return statistics.fmean(values) if values else None

    def minutes(self) -> str:
        durations = [job.duration_s for job in self.jobs if job.duration_s is not None]
        return f"{statistics.fmean(durations) / 60:.1f}" if durations else "–"

    def std(self, metric: str) -> float | None:
        values = self.values(metric)
        return statistics.stdev(values) if len(values) > 1 else 0.0 if values else None


def find_jobs(sweep_dirs: list[Path]) -> list[Job]:
    jobs = []
    for sweep_dir in sweep_dirs:
        for overrides_file in sorted(sweep_dir.rglob(".hydra/overrides.yaml")):
            job_dir = overrides_file.parent.parent
            overrides = dict(item.split("=", 1) for item in yaml.safe_load(overrides_file.read_text()) or [])
            record = read_metrics(job_dir)
            if record is None:
                jobs.append(Job(job_dir, overrides, "unfinished"))
            else:
                jobs.append(
                    Job(
                        job_dir,
                        overrides,
                        record["status"],
                        record.get("metrics", {}),
                        record.get("error"),
                        record.get("duration_s"),
                    )
                )
    return jobs


def leaderboard(jobs: list[Job], metric: str, higher_is_better: bool = True) -> list[Row]:
    """Groups finished jobs by their overrides (seed aside) and sorts by the mean of `metric`."""
    groups: dict[tuple, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.status == "done":
            key = tuple(
                sorted((k, v) for k, v in job.overrides.items() if not k.startswith(IGNORED_OVERRIDE_KEYS))
            )
            groups[key].append(job)
    rows = [Row(dict(key), group) for key, group in groups.items()]
    missing = float("-inf") if higher_is_better else float("inf")

    def sort_key(row: Row) -> float:
        mean = row.mean(metric)
        return missing if mean is None else mean

    return sorted(rows, key=sort_key, reverse=higher_is_better)


def varying_keys(rows: list[Row]) -> list[str]:
    """Override keys whose value differs between rows (the ones worth a column)."""
    keys = sorted({key for row in rows for key in row.configuration})
    return [key for key in keys if len({row.configuration.get(key) for row in rows}) > 1] or keys


def format_cell(row: Row, metric: str, scale: float = 1.0) -> str:
    mean, std = row.mean(metric), row.std(metric)
    return "–" if mean is None else f"{mean * scale:.1f} ± {std * scale:.1f}"


def render(rows: list[Row], metrics: list[str], jobs: list[Job], console: Console) -> None:
    keys = varying_keys(rows)
    table = Table(title="Leaderboard (mean ± std over seeds, metrics × 100)")
    for key in keys:
        table.add_column(key)
    for metric in metrics:
        table.add_column(metric, justify="right")
    table.add_column("n", justify="right")
    table.add_column("min/run", justify="right")
    for row in rows:
        cells = [row.configuration.get(key, "") for key in keys]
        metric_cells = [format_cell(row, metric, 100) for metric in metrics]
        table.add_row(*cells, *metric_cells, str(len(row.jobs)), row.minutes())
    console.print(table)
    for job in jobs:
        if job.status != "done":
            console.print(f"[red]{job.status}[/red] {job.path}: {job.error or 'no metrics.json yet'}")


def write_markdown(rows: list[Row], metrics: list[str], jobs: list[Job], path: Path) -> None:
    keys = varying_keys(rows)
    header = [*keys, *metrics, "n", "min/run"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        cells = [row.configuration.get(key, "") for key in keys]
        cells += [format_cell(row, metric, 100) for metric in metrics]
        lines.append("| " + " | ".join([*cells, str(len(row.jobs)), row.minutes()]) + " |")
    problems = [
        f"- {job.status}: `{job.path.name}` {job.error or ''}".rstrip()
        for job in jobs
        if job.status != "done"
    ]
    path.write_text("\n".join(lines + ([""] + problems if problems else [])) + "\n")


def write_csv(rows: list[Row], metrics: list[str], path: Path) -> None:
    keys = varying_keys(rows)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*keys, *(f"{m}_{s}" for m in metrics for s in ("mean", "std")), "n"])
        for row in rows:
            stats = [value for metric in metrics for value in (row.mean(metric), row.std(metric))]
            writer.writerow([*(row.configuration.get(key, "") for key in keys), *stats, len(row.jobs)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sweep_dirs", nargs="+", type=Path, help="multirun folders (logs/<task>/multiruns/<date>)"
    )
    parser.add_argument("--metric", default="test/exact_match", help="the metric to rank by")
    parser.add_argument("--lower-is-better", action="store_true")
    parser.add_argument(
        "--metrics", nargs="+", default=["test/exact_match", "test_long/exact_match", "test/cer", "test/bleu"]
    )
    args = parser.parse_args(argv)
    jobs = find_jobs(args.sweep_dirs)
    rows = leaderboard(jobs, args.metric, higher_is_better=not args.lower_is_better)
    metrics = [args.metric] + [m for m in args.metrics if m != args.metric]
    render(rows, metrics, jobs, Console())
    out_dir = args.sweep_dirs[0]
    write_markdown(rows, metrics, jobs, out_dir / "leaderboard.md")
    write_csv(rows, metrics, out_dir / "leaderboard.csv")
