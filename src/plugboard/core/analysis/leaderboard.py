"""Jobs that differ only by seed, grouped into one row per configuration and ranked by a metric.

Tables show every metric as mean ± std over seeds, × 100 (an exact match of 0.812 reads 81.2);
the CSV keeps the raw values.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from plugboard.core.analysis.curves import last_logged_epoch
from plugboard.core.analysis.sweep import Job

SCALE = 100
# Overrides that do not make a configuration: the seed, and where a job's files went.
IGNORED_OVERRIDES = ("seed",)
IGNORED_OVERRIDE_PREFIXES = ("hydra.", "paths.")
# Name parts of metrics where lower is better (test/loss, val/cer, test/word_error ...).
LOWER_IS_BETTER_WORDS = {"loss", "cer", "wer", "error", "perplexity", "ppl"}


@dataclass
class Row:
    configuration: dict[str, str]
    jobs: list[Job]

    @property
    def n(self) -> int:
        return len(self.jobs)

    def values(self, metric: str) -> list[float]:
        return [job.metrics[metric] for job in self.jobs if metric in job.metrics]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return statistics.fmean(values) if values else None

    def std(self, metric: str) -> float | None:
        """Sample std over seeds; None with fewer than two."""
        values = self.values(metric)
        return statistics.stdev(values) if len(values) > 1 else None

    def minutes(self) -> float | None:
        durations = [job.duration_s for job in self.jobs if job.duration_s is not None]
        return statistics.fmean(durations) / 60 if durations else None


def lower_is_better(metric: str) -> bool:
    """A guess from the name: losses and error rates go down, accuracies and BLEU go up."""
    return bool(set(metric.rsplit("/", 1)[-1].lower().split("_")) & LOWER_IS_BETTER_WORDS)


def configuration_of(job: Job) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (key, value)
            for key, value in job.overrides.items()
            if key not in IGNORED_OVERRIDES and not key.startswith(IGNORED_OVERRIDE_PREFIXES)
        )
    )


def leaderboard(jobs: Iterable[Job], metric: str, higher_is_better: bool | None = None) -> list[Row]:
    """One row per configuration of the finished jobs, best mean of `metric` first.

    `higher_is_better=None` guesses the direction from the metric's name; rows without the
    metric come last.
    """
    if higher_is_better is None:
        higher_is_better = not lower_is_better(metric)
    groups: dict[tuple, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.status == "done":
            groups[configuration_of(job)].append(job)
    rows = [Row(dict(configuration), group) for configuration, group in groups.items()]

    def badness(row: Row) -> float:
        mean = row.mean(metric)
        return math.inf if mean is None else -mean if higher_is_better else mean

    return sorted(rows, key=badness)  # stable: ties keep job order


def varying_keys(rows: list[Row]) -> list[str]:
    """Override keys whose value differs between rows (the ones worth a column); all of them for one row."""
    keys = sorted({key for row in rows for key in row.configuration})
    return [key for key in keys if len({row.configuration.get(key) for row in rows}) > 1] or keys


def row_labels(rows: list[Row]) -> list[str]:
    """Short names for plots: the values of the varying overrides ("dot", or "dot, lr=0.01")."""
    keys = varying_keys(rows)
    if len(keys) == 1:
        return [row.configuration.get(keys[0], "") for row in rows]
    return [
        ", ".join(f"{key}={row.configuration[key]}" for key in keys if key in row.configuration)
        for row in rows
    ]


def format_cell(row: Row, metric: str) -> str:
    mean, std = row.mean(metric), row.std(metric)
    if mean is None:
        return "–"
    return f"{mean * SCALE:.1f}" if std is None else f"{mean * SCALE:.1f} ± {std * SCALE:.1f}"


def format_minutes(row: Row) -> str:
    minutes = row.minutes()
    return "–" if minutes is None else f"{minutes:.1f}"


def table_records(rows: list[Row], metrics: list[str]) -> list[dict[str, str | float | int | None]]:
    """The leaderboard as plain dicts (raw values, not × 100): for CSV, notebooks, or a DataFrame."""
    keys = varying_keys(rows)
    records = []
    for row in rows:
        record: dict[str, str | float | int | None] = {key: row.configuration.get(key, "") for key in keys}
        for metric in metrics:
            record[f"{metric}_mean"], record[f"{metric}_std"] = row.mean(metric), row.std(metric)
        record["n"] = row.n
        records.append(record)
    return records


def problem_lines(jobs: Iterable[Job]) -> list[str]:
    """One line per failed or unfinished job: which job, its overrides, and why."""
    lines = []
    for job in jobs:
        if job.status == "done":
            continue
        overrides = " ".join(f"{key}={value}" for key, value in job.overrides.items())
        if job.status in ("failed", "pruned"):
            reason = " ".join((job.error or "no error message recorded").split())
        else:
            epoch = last_logged_epoch(job.path)
            reason = "no metrics.json yet (still running, or stopped)"
            reason += f"; last logged epoch {epoch}" if epoch is not None else ""
        lines.append(f"{job.status}: {job.name} ({overrides}): {_shorten(reason)}")
    return lines


def markdown_table(rows: list[Row], metrics: list[str], jobs: Iterable[Job] = ()) -> str:
    """The leaderboard as a markdown table, failed and unfinished jobs listed below it."""
    keys = varying_keys(rows)
    header = ["#", *keys, *metrics, "n", "min/run"]
    lines = [_markdown_row(header), "|" + " --- |" * len(header)]
    for rank, row in enumerate(rows, start=1):
        cells = [str(rank), *(row.configuration.get(key, "") for key in keys)]
        cells += [format_cell(row, metric) for metric in metrics]
        lines.append(_markdown_row([*cells, str(row.n), format_minutes(row)]))
    problems = problem_lines(jobs)
    if problems:
        lines += ["", *(f"- {line}" for line in problems)]
    return "\n".join(lines) + "\n"


def write_csv(rows: list[Row], metrics: list[str], path: Path) -> None:
    records = table_records(rows, metrics)
    header = [*varying_keys(rows), *(f"{m}_{s}" for m in metrics for s in ("mean", "std")), "n"]
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=header)
        writer.writeheader()
        writer.writerows(records)


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _shorten(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
