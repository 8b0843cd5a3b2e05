"""Reading sweep results: the library behind `compare.py` and the notebooks.

    jobs = load_sweep("logs/attention_dates/multiruns/2026-11-23_09-33-14")
    rows = leaderboard(jobs, "test/exact_match")
    print(markdown_table(rows, ["test/exact_match"], jobs))
    plot_sweep(rows, "test/exact_match").savefig("leaderboard.png")

Importing this package is light: matplotlib is imported only when a plot is drawn.
"""

from plugboard.core.analysis.curves import Curve, curve_metric_for, mean_curve, read_curve
from plugboard.core.analysis.leaderboard import (
    Row,
    leaderboard,
    lower_is_better,
    markdown_table,
    problem_lines,
    row_labels,
    table_records,
    varying_keys,
    write_csv,
)
from plugboard.core.analysis.plots import plot_curves, plot_leaderboard, plot_sweep
from plugboard.core.analysis.sweep import Job, SweepNotFoundError, load_sweep, newest_sweep

__all__ = [
    "Curve",
    "Job",
    "Row",
    "SweepNotFoundError",
    "curve_metric_for",
    "leaderboard",
    "load_sweep",
    "lower_is_better",
    "markdown_table",
    "mean_curve",
    "newest_sweep",
    "plot_curves",
    "plot_leaderboard",
    "plot_sweep",
    "problem_lines",
    "read_curve",
    "row_labels",
    "table_records",
    "varying_keys",
    "write_csv",
]
