"""A leaderboard of one or more sweeps, best configuration first.

Jobs that differ only by seed are grouped, and each metric is shown as mean ± std over seeds
(× 100). Writes leaderboard.md, leaderboard.csv and leaderboard.png (the ranking metric per
configuration beside the validation curves from the CSV logs) into the first sweep dir.
Works on a sweep still running: jobs without metrics.json are listed as unfinished, and
failed jobs with their error.

    python compare.py logs/attention_dates/multiruns/2026-11-23_09-33-14
    python compare.py logs/attention_reverse/multiruns/* --metric test_long/exact_match
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plugboard.core.analysis import (
    Job,
    Row,
    SweepNotFoundError,
    leaderboard,
    load_sweep,
    lower_is_better,
    markdown_table,
    plot_sweep,
    problem_lines,
    varying_keys,
    write_csv,
)
from plugboard.core.analysis.leaderboard import SCALE, format_cell, format_minutes

DEFAULT_METRICS = ["test/exact_match", "test_long/exact_match", "test/cer", "test/bleu"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    description, _, examples = __doc__.partition("\n\n    ")
    parser = argparse.ArgumentParser(
        prog="compare.py",
        description=description,
        epilog="examples:\n    " + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "sweep_dirs",
        nargs="+",
        type=Path,
        metavar="SWEEP_DIR",
        help="a multirun dir: logs/<task>/multiruns/<date>",
    )
    parser.add_argument(
        "--metric", default="test/exact_match", help="rank by this metric (default: %(default)s)"
    )
    direction = parser.add_mutually_exclusive_group()
    direction.add_argument(
        "--lower-is-better",
        dest="higher_is_better",
        action="store_false",
        default=None,
        help="rank the smallest first (default: guessed from the name: loss, cer, wer, error go down)",
    )
    direction.add_argument(
        "--higher-is-better", dest="higher_is_better", action="store_true", help="rank the largest first"
    )
    parser.add_argument(
        "--metrics",
        nargs="+",
        metavar="METRIC",
        help="more metric columns, after --metric; those no job reported are left out "
        f"(default: {' '.join(DEFAULT_METRICS)})",
    )
    parser.add_argument(
        "--curve-metric",
        metavar="METRIC",
        help="the metric of the validation curves (default: --metric with test -> val)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="where to write leaderboard.* (default: the first SWEEP_DIR)",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip leaderboard.png")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    console = Console()
    try:
        jobs = load_sweep(args.sweep_dirs)
    except SweepNotFoundError as error:
        raise SystemExit(f"compare.py: {error}") from None
    reported = sorted({metric for job in jobs for metric in job.metrics})
    if reported and args.metric not in reported:
        raise SystemExit(
            f"compare.py: no job reported {args.metric!r}; the jobs report: {', '.join(reported)}"
        )
    higher_is_better = args.higher_is_better
    if higher_is_better is None:
        higher_is_better = not lower_is_better(args.metric)
    rows = leaderboard(jobs, args.metric, higher_is_better)
    metrics = [
        args.metric,
        *(m for m in args.metrics or DEFAULT_METRICS if m != args.metric and m in reported),
    ]
    if args.metrics:
        for metric in sorted(set(args.metrics) - set(reported)):
            console.print(f"No job reported {metric}: left out.")

    render(rows, metrics, jobs, higher_is_better, console)
    output_dir = args.output or args.sweep_dirs[0]
    written = write_files(
        rows, metrics, jobs, output_dir, plot=not args.no_plot, curve_metric=args.curve_metric
    )
    console.print(f"Wrote {', '.join(written)} to {output_dir}", soft_wrap=True)


def write_files(
    rows: list[Row],
    metrics: list[str],
    jobs: list[Job],
    output_dir: Path,
    plot: bool,
    curve_metric: str | None,
) -> list[str]:
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "leaderboard.md").write_text(markdown_table(rows, metrics, jobs))
    write_csv(rows, metrics, output_dir / "leaderboard.csv")
    if not plot:
        return ["leaderboard.md", "leaderboard.csv"]
    plot_sweep(rows, metrics[0], curve_metric).savefig(output_dir / "leaderboard.png", dpi=120)
    return ["leaderboard.md", "leaderboard.csv", "leaderboard.png"]


def render(
    rows: list[Row], metrics: list[str], jobs: list[Job], higher_is_better: bool, console: Console
) -> None:
    direction = "higher" if higher_is_better else "lower"
    table = Table(title=f"Ranked by {metrics[0]} ({direction} is better); mean ± std over seeds, × {SCALE}")
    keys = varying_keys(rows)
    table.add_column("#", justify="right")
    for key in keys:
        table.add_column(key)
    for metric in metrics:
        table.add_column(metric, justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    table.add_column("min/run", justify="right")
    for rank, row in enumerate(rows, start=1):
        cells = [Text(row.configuration.get(key, "")) for key in keys]  # Text: values are not rich markup
        metric_cells = [format_cell(row, metric) for metric in metrics]
        table.add_row(str(rank), *cells, *metric_cells, str(row.n), format_minutes(row))
    if not console.is_terminal:  # piped into a file or a log: full width rather than rich's default of 80
        unbounded = console.options.update_width(10_000)
        console.width = max(console.width, console.measure(table, options=unbounded).maximum)
    console.print(table if rows else "No job has finished yet.")
    statuses = ("done", "pruned", "failed", "unfinished")
    counts = {status: sum(job.status == status for job in jobs) for status in statuses}
    console.print(
        ", ".join(f"{count} {status}" for status, count in counts.items()) + f" of {len(jobs)} jobs"
    )
    for line in problem_lines(jobs):
        console.print(Text(line, style="red" if line.startswith("failed") else "yellow"), soft_wrap=True)
