"""Reading sweep results: the library behind `compare.py` and the notebooks.

    jobs = load_sweep("logs/attention_dates/multiruns/2026-11-23_09-33-14")
    rows = leaderboard(jobs, "test/exact_match")
    verdicts = compare_with_reference(rows, "test/exact_match", higher_is_better=True)
    print(markdown_table(rows, ["test/exact_match"], jobs, verdicts))
    plot_sweep(rows, "test/exact_match").savefig("leaderboard.png")

    dot, none = outcomes_of(jobs, "model/attention=dot"), outcomes_of(jobs, "model/attention=none")
    print(paired_markdown(dot, none, compare_paired(dot, none)))

Importing this package is light: matplotlib, scipy and statsmodels are imported only when a plot
is drawn or a statistic computed.
"""

from plugboard.core.analysis.curves import Curve, curve_metric_for, mean_curve, read_curve
from plugboard.core.analysis.examples import (
    EXAMPLES_FILE,
    ExamplesError,
    Outcomes,
    outcomes_of,
    pool,
    select_jobs,
)
from plugboard.core.analysis.leaderboard import (
    Row,
    leaderboard,
    lower_is_better,
    metrics_to_show,
    problem_lines,
    row_labels,
    varying_keys,
)
from plugboard.core.analysis.paired import PairedResult, compare_paired
from plugboard.core.analysis.paired_tables import paired_markdown
from plugboard.core.analysis.plots import plot_curves, plot_leaderboard, plot_sweep
from plugboard.core.analysis.ranges import MetricRange, declared_range
from plugboard.core.analysis.significance import Comparison, Verdicts, compare_with_reference
from plugboard.core.analysis.sweep import Job, SweepNotFoundError, load_sweep, newest_sweep
from plugboard.core.analysis.tables import markdown_table, table_records, write_csv

__all__ = [
    "EXAMPLES_FILE",
    "Comparison",
    "Curve",
    "ExamplesError",
    "Job",
    "MetricRange",
    "Outcomes",
    "PairedResult",
    "Row",
    "SweepNotFoundError",
    "Verdicts",
    "compare_paired",
    "compare_with_reference",
    "curve_metric_for",
    "declared_range",
    "leaderboard",
    "load_sweep",
    "lower_is_better",
    "markdown_table",
    "mean_curve",
    "metrics_to_show",
    "newest_sweep",
    "outcomes_of",
    "paired_markdown",
    "plot_curves",
    "plot_leaderboard",
    "plot_sweep",
    "pool",
    "problem_lines",
    "read_curve",
    "row_labels",
    "select_jobs",
    "table_records",
    "varying_keys",
    "write_csv",
]
