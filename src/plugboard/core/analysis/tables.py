"""The leaderboard as cells (for the screen and markdown) and as raw records (for CSV and notebooks).

Cells show every metric as mean ± std over a configuration's runs (its seeds, or its folds), the
ranking metric also with its confidence interval; with comparisons, the Holm-corrected p against
the reference and a verdict in words.
A metric the runs declared a fraction is shown × 100 and headed so (an exact match of 0.812
reads 81.2 under "test/exact_match (%)"); any other is shown as logged, to three significant
digits of the column's largest mean (a loss of 0.4123 reads 0.412). The CSV keeps the raw values.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from plugboard.core.analysis.leaderboard import SCALE, Row, problem_lines, repeated_over, varying_keys
from plugboard.core.analysis.ranges import declared_range
from plugboard.core.analysis.significance import Comparison, Verdicts
from plugboard.core.analysis.sweep import Job

REFERENCE = "reference"


@dataclass(frozen=True)
class MetricFormat:
    """How one metric's column reads: its heading, and its numbers scaled and rounded alike."""

    metric: str
    scale: float = 1
    decimals: int = 3

    @property
    def heading(self) -> str:
        return f"{self.metric} (%)" if self.scale == SCALE else self.metric

    def number(self, value: float) -> str:
        return f"{value * self.scale:.{self.decimals}f}"


def metric_format(rows: list[Row], metric: str) -> MetricFormat:
    """× 100 with one decimal for a declared fraction; otherwise three significant digits of the
    column's largest mean, the same decimals in every row so that they line up."""
    if declared_range((job for row in rows for job in row.jobs), metric).is_fraction:
        return MetricFormat(metric, SCALE, 1)
    means = [abs(mean) for row in rows if (mean := row.mean(metric))]
    largest = max(means, default=1.0)
    return MetricFormat(metric, 1, max(0, min(6, 2 - math.floor(math.log10(largest)))))


def interval_header(verdicts: Verdicts | None) -> str:
    return f"{(1 - _alpha(verdicts)) * 100:g}% CI"


def header(rows: list[Row], metrics: list[str], verdicts: Verdicts | None = None) -> list[str]:
    headings = [metric_format(rows, metric).heading for metric in metrics]
    columns = ["#", *varying_keys(rows), headings[0], interval_header(verdicts), *headings[1:], "n"]
    if verdicts is not None:
        columns += ["p (Holm)", "verdict"]
    return [*columns, "min/run"]


def table_cells(rows: list[Row], metrics: list[str], verdicts: Verdicts | None = None) -> list[list[str]]:
    """One list of cells per row, in the order of `header`."""
    keys, level = varying_keys(rows), 1 - _alpha(verdicts)
    first, *others = (metric_format(rows, metric) for metric in metrics)
    table = []
    for index, row in enumerate(rows):
        cells = [str(index + 1), *(row.configuration.get(key, "") for key in keys)]
        cells += [format_cell(row, first), format_interval(row.interval(first.metric, level), first)]
        cells += [*(format_cell(row, form) for form in others), str(row.n)]
        if verdicts is not None:
            cells += [format_p(verdicts.comparisons[index]), verdict_of(verdicts, index)]
        table.append([*cells, format_minutes(row)])
    return table


def format_cell(row: Row, form: MetricFormat) -> str:
    mean, std = row.mean(form.metric), row.std(form.metric)
    if mean is None:
        return "–"
    return form.number(mean) if std is None else f"{form.number(mean)} ± {form.number(std)}"


def format_interval(interval: tuple[float, float] | None, form: MetricFormat) -> str:
    return "–" if interval is None else f"[{form.number(interval[0])}, {form.number(interval[1])}]"


def format_p(comparison: Comparison | None) -> str:
    return "" if comparison is None else f"{comparison.p_holm:.2g}"


def verdict_of(verdicts: Verdicts, index: int) -> str:
    comparison = verdicts.comparisons[index]
    if comparison is not None:
        return comparison.verdict
    return REFERENCE if index == verdicts.reference else "–"


def format_minutes(row: Row) -> str:
    minutes = row.minutes()
    return "–" if minutes is None else f"{minutes:.1f}"


def markdown_table(
    rows: list[Row], metrics: list[str], jobs: Iterable[Job] = (), verdicts: Verdicts | None = None
) -> str:
    """The leaderboard as a markdown table; below it, what the verdicts mean and the failed or
    unfinished jobs."""
    columns = header(rows, metrics, verdicts)
    lines = [_markdown_row(columns), "|" + " --- |" * len(columns)]
    lines += [_markdown_row(cells) for cells in table_cells(rows, metrics, verdicts)]
    notes = [*verdict_notes(rows, verdicts), *problem_lines(jobs)]
    if notes:
        lines += ["", *(f"- {line}" for line in notes)]
    return "\n".join(lines) + "\n"


def verdict_notes(rows: list[Row], verdicts: Verdicts | None) -> list[str]:
    """What the verdicts were tested with, and why a verdict is "too few runs to tell"; with nothing
    to test (one row), what the interval is over."""
    if verdicts is None or not rows:
        return []
    labels, alpha, runs = row_names(rows), verdicts.alpha, repeated_over(rows)
    if not verdicts.tested:
        return [f"Intervals: Student t over {runs}, {(1 - alpha) * 100:g}%."]
    notes = [
        f"Verdicts on {verdicts.metric} against {labels[verdicts.reference]}: exact permutation test "
        f"over {runs}, two-sided, Holm-corrected over {_count(verdicts.tested, 'comparison')}, at {alpha:g}. "
        f"Intervals: Student t over {runs}, {(1 - alpha) * 100:g}%."
    ]
    for label, comparison in zip(labels, verdicts.comparisons, strict=True):
        note = comparison.note(alpha) if comparison is not None else None
        if note:
            notes.append(f"{label}: {note}.")
    return notes


def table_records(
    rows: list[Row], metrics: list[str], verdicts: Verdicts | None = None
) -> list[dict[str, str | float | int | None]]:
    """The leaderboard as plain dicts (raw values, not × 100): for CSV, notebooks, or a DataFrame."""
    keys, level = varying_keys(rows), 1 - _alpha(verdicts)
    records = []
    for index, row in enumerate(rows):
        record: dict[str, str | float | int | None] = {key: row.configuration.get(key, "") for key in keys}
        for metric in metrics:
            record[f"{metric}_mean"], record[f"{metric}_std"] = row.mean(metric), row.std(metric)
            record[f"{metric}_ci_low"], record[f"{metric}_ci_high"] = row.interval(metric, level) or (
                None,
                None,
            )
        record["n"] = row.n
        if verdicts is not None:
            comparison = verdicts.comparisons[index]
            record["p_value"] = comparison.p_value if comparison else None
            record["p_holm"] = comparison.p_holm if comparison else None
            record["verdict"] = verdict_of(verdicts, index)
        records.append(record)
    return records


def write_csv(rows: list[Row], metrics: list[str], path: Path, verdicts: Verdicts | None = None) -> None:
    statistics = ("mean", "std", "ci_low", "ci_high")
    columns = [*varying_keys(rows), *(f"{m}_{s}" for m in metrics for s in statistics), "n"]
    if verdicts is not None:
        columns += ["p_value", "p_holm", "verdict"]
    from plugboard.core.job.run_files import replacing

    with replacing(path.parent, path.name) as file:  # a sweep dir: no link followed
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table_records(rows, metrics, verdicts))


def row_names(rows: list[Row]) -> list[str]:
    """Each row as the overrides that tell it apart: "model/attention=dot"."""
    keys = varying_keys(rows)
    return [" ".join(f"{key}={row.configuration.get(key, '')}" for key in keys) for row in rows]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _alpha(verdicts: Verdicts | None) -> float:
    return 0.05 if verdicts is None else verdicts.alpha


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
