"""Jobs that differ only by seed or fold, grouped into one row per configuration and ranked by a metric.

The tables built from the rows are in `tables.py`, the statistics over seeds in `significance.py`.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from plugboard.core.analysis.curves import last_logged_epoch
from plugboard.core.analysis.ranges import MetricRange, declared_range
from plugboard.core.analysis.sweep import Job

SCALE = 100  # what a declared fraction is shown × (see ranges.py)
# Overrides that do not make a configuration: repetitions of it (the training seed, the fold of a
# k-fold split, see plugboard.data.folds), and where a job's files went.
REPETITIONS = {"seed": "seeds", "data.fold": "folds"}
IGNORED_OVERRIDES = tuple(REPETITIONS)
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

    def interval(self, metric: str, level: float = 0.95) -> tuple[float, float] | None:
        """The Student-t interval of the mean over seeds (see `significance.py` for why t), kept
        inside the range the metric declares: an accuracy's interval never goes below 0."""
        from plugboard.core.analysis.significance import t_interval

        return self.declared_range(metric).clip(t_interval(self.values(metric), level))

    def declared_range(self, metric: str) -> MetricRange:
        return declared_range(self.jobs, metric)

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


def repeated_over(rows: list[Row]) -> str:
    """What a row's runs repeat over, for the tables' notes: "seeds", "folds" or "seeds and folds"
    (seeds when nothing varies, as a row of one run)."""
    varied = [
        words
        for key, words in REPETITIONS.items()
        if any(len({job.overrides.get(key) for job in row.jobs}) > 1 for row in rows)
    ]
    return " and ".join(varied) or "seeds"


def leaderboard(jobs: Iterable[Job], metric: str, higher_is_better: bool | None = None) -> list[Row]:
    """One row per configuration of the finished jobs, best mean of `metric` first.

    `higher_is_better=None`: as the metric declares it, else guessed from its name; rows without
    the metric come last.
    """
    jobs = list(jobs)
    if higher_is_better is None:
        higher_is_better = declared_range(jobs, metric).higher_is_better
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


def metrics_to_show(ranking: str, reported: Iterable[str]) -> list[str]:
    """`ranking` first, then every other metric of a test split (test/..., test_long/...): the
    ranking metric's name on the other splits, then the other names alphabetically, each name's
    splits together, the `test` split first."""

    def order(metric: str) -> tuple:
        split, _, name = metric.rpartition("/")
        return (name != ranking.rpartition("/")[2], name, split != "test", split)

    tested = {metric for metric in reported if metric.startswith("test") and metric != ranking}
    return [ranking, *sorted(tested, key=order)]


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


def _shorten(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
