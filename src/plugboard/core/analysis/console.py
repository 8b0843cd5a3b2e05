"""The leaderboard and the paired comparison as rich tables on the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plugboard.core.analysis.examples import Outcomes
from plugboard.core.analysis.leaderboard import SCALE, Row, problem_lines, repeated_over
from plugboard.core.analysis.paired import PairedResult
from plugboard.core.analysis.paired_tables import PAIRED_HEADER, paired_cells, paired_notes, paired_title
from plugboard.core.analysis.significance import Verdicts
from plugboard.core.analysis.sweep import Job
from plugboard.core.analysis.tables import header, metric_format, table_cells, verdict_notes

VERDICT_STYLES = {"better": "green", "worse": "red"}


def print_leaderboard(
    rows: list[Row],
    metrics: list[str],
    jobs: list[Job],
    higher_is_better: bool,
    console: Console,
    verdicts: Verdicts | None = None,
) -> None:
    direction = "higher" if higher_is_better else "lower"
    columns = header(rows, metrics, verdicts)
    scaled = f"; (%): a fraction × {SCALE}" if any(column.endswith(" (%)") for column in columns) else ""
    title = f"Ranked by {metrics[0]} ({direction} is better); mean ± std over {repeated_over(rows)}"
    table = Table(title=title + scaled)
    headings = {metric_format(rows, metric).heading for metric in metrics}
    for column in columns:
        left = column in ("verdict", *(key for key in rows[0].configuration)) if rows else False
        table.add_column(column, justify="left" if left else "right", no_wrap=column in headings)
    for cells in table_cells(rows, metrics, verdicts):
        # Text: override values are not rich markup.
        table.add_row(*(Text(cell, style=VERDICT_STYLES.get(cell, "")) for cell in cells))
    _print_table(table if rows else "No job has finished yet.", console)
    for line in verdict_notes(rows, verdicts):
        console.print(Text(line), soft_wrap=True)
    statuses = ("done", "pruned", "failed", "unfinished")
    counts = {status: sum(job.status == status for job in jobs) for status in statuses}
    console.print(
        ", ".join(f"{count} {status}" for status, count in counts.items()) + f" of {len(jobs)} jobs"
    )
    for line in problem_lines(jobs):
        console.print(Text(line, style="red" if line.startswith("failed") else "yellow"), soft_wrap=True)


def print_paired(
    a: Outcomes, b: Outcomes, results: list[PairedResult], split: str, alpha: float, console: Console
) -> None:
    examples = results[0].examples if results else 0
    table = Table(title=paired_title(a, b, split, examples))
    for column in PAIRED_HEADER:
        table.add_column(column, justify="left" if column in ("measure", "A is", "test") else "right")
    for cells in paired_cells(results):
        table.add_row(*(Text(cell, style=VERDICT_STYLES.get(cell, "")) for cell in cells))
    _print_table(table, console)
    for line in paired_notes(a, b, alpha):
        console.print(Text(line), soft_wrap=True)


def _print_table(table: Table | str, console: Console) -> None:
    if isinstance(table, Table) and not console.is_terminal:
        # Piped into a file or a log: full width rather than rich's default of 80.
        unbounded = console.options.update_width(10_000)
        console.width = max(console.width, console.measure(table, options=unbounded).maximum)
    console.print(table)
