"""A leaderboard of one or more sweeps, best configuration first, or two configurations paired.

Leaderboard: jobs that differ only by seed or by fold (`data.fold` of a k-fold split) are
grouped, a configuration's runs; the ranking metric and every other test metric the jobs reported
are shown as mean ± std over its runs (× 100 where the metric is declared a fraction, as
torchmetrics' accuracies are; as logged otherwise), the ranking metric with its 95% interval
(Student t over the runs, kept inside the metric's declared range), and each configuration is
tested against the best (exact permutation test over the runs, Holm-corrected):
better, worse, not distinguishable, or too few runs to tell. Writes leaderboard.md,
leaderboard.csv and leaderboard.png into the first sweep dir. Works on a sweep still running:
jobs without metrics.json are listed as unfinished, and failed jobs with their error.

Paired: two configurations of a sweep, picked by their overrides, or two run dirs, compared on
the test examples both have (from each run's test_examples.jsonl; a configuration's runs are
pooled per example): exact McNemar on right/wrong, paired bootstrap on per-example scores.

    python compare.py logs/attention_dates/multiruns/2026-11-23_09-33-14
    python compare.py logs/attention_reverse/multiruns/* --metric test_long/exact_match
    python compare.py logs/attention_dates/multiruns/<date> model/attention=dot model/attention=none
    python compare.py logs/train/runs/2026-11-23_09-33-14 logs/train/runs/2026-11-23_10-02-51
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from plugboard.core.analysis import (
    ExamplesError,
    SweepNotFoundError,
    compare_paired,
    compare_with_reference,
    declared_range,
    leaderboard,
    load_sweep,
    lower_is_better,
    markdown_table,
    metrics_to_show,
    outcomes_of,
    plot_sweep,
    pool,
    select_jobs,
    write_csv,
)
from plugboard.core.analysis.console import print_leaderboard, print_paired
from plugboard.core.analysis.sweep import OVERRIDES_FILE
from plugboard.core.job.run_files import replacing, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    description, _, examples = __doc__.partition("\n\n    ")
    parser = argparse.ArgumentParser(
        prog="compare.py",
        description=description,
        epilog="examples:\n    " + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "targets",
        nargs="+",
        metavar="SWEEP_DIR | A B",
        help="multirun dirs (logs/<task>/multiruns/<date>); then, for a paired comparison, two "
        'selections by overrides ("model/attention=dot", several space-separated in quotes); '
        "or two run dirs",
    )
    parser.add_argument(
        "--metric",
        help="rank by this metric (default: the metric the jobs were trained to watch, `monitor` in "
        "their config, on the test set when they report it: val/exact_match -> test/exact_match)",
    )
    direction = parser.add_mutually_exclusive_group()
    direction.add_argument(
        "--lower-is-better",
        dest="higher_is_better",
        action="store_false",
        default=None,
        help="rank the smallest first (default: the monitor's mode, else what the metric declares, "
        "else guessed from the name: loss, cer, wer, error go down)",
    )
    direction.add_argument(
        "--higher-is-better", dest="higher_is_better", action="store_true", help="rank the largest first"
    )
    parser.add_argument(
        "--metrics",
        nargs="+",
        metavar="METRIC",
        help="only these metric columns, after --metric; those no job reported are left out "
        "(default: every test metric the jobs reported, test_long/... too)",
    )
    parser.add_argument(
        "--alpha",
        type=_level,
        default=0.05,
        help="significance level of the verdicts; intervals are 1 - alpha (default: %(default)s)",
    )
    parser.add_argument(
        "--reference",
        metavar="OVERRIDES",
        help='test every configuration against this one instead of the best ("model/attention=none")',
    )
    parser.add_argument(
        "--split", default="test", help="test set of a paired comparison (default: %(default)s)"
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
    paths = [Path(target) for target in args.targets if "=" not in target or Path(target).exists()]
    selections = [target for target in args.targets if "=" in target and not Path(target).exists()]
    try:
        if selections or _are_two_runs(paths):
            compare_two(paths, selections, args, console)
        else:
            compare_all(paths, args, console)
    except (SweepNotFoundError, ExamplesError) as error:
        raise SystemExit(f"compare.py: {error}") from None
    except ImportError as error:  # an environment installed before scipy/statsmodels were dependencies
        raise SystemExit(
            f"compare.py: the statistics need {error.name}, which is not installed here; "
            "install the project's dependencies again: pip install -e ."
        ) from None


def compare_all(sweep_dirs: list[Path], args: argparse.Namespace, console: Console) -> None:
    """The leaderboard, on screen and written to leaderboard.md/.csv/.png."""
    jobs = load_sweep(sweep_dirs)
    reported = sorted({metric for job in jobs for metric in job.metrics})
    args.metric, monitored_higher = ranking_metric(jobs, reported, args.metric)
    if reported and args.metric not in reported:
        raise SystemExit(
            f"compare.py: no job reported {args.metric!r}; the jobs report: {', '.join(reported)}"
        )
    higher_is_better = direction(args.higher_is_better, monitored_higher, jobs, args.metric)
    rows = leaderboard(jobs, args.metric, higher_is_better)
    metrics = metrics_to_show(args.metric, reported)
    if args.metrics:
        metrics = [args.metric, *(m for m in args.metrics if m != args.metric and m in reported)]
        for metric in sorted(set(args.metrics) - set(reported)):
            console.print(f"No job reported {metric}: left out.")
    reference = 0
    if args.reference:
        chosen = select_jobs(jobs, args.reference)[0]
        reference = next(index for index, row in enumerate(rows) if chosen in row.jobs)
    verdicts = compare_with_reference(rows, args.metric, higher_is_better, args.alpha, reference)

    print_leaderboard(rows, metrics, jobs, higher_is_better, console, verdicts)
    output_dir = args.output or sweep_dirs[0]
    output_dir.mkdir(parents=True, exist_ok=True)
    write_text(output_dir, "leaderboard.md", markdown_table(rows, metrics, jobs, verdicts))
    write_csv(rows, metrics, output_dir / "leaderboard.csv", verdicts)
    written = ["leaderboard.md", "leaderboard.csv"]
    if not args.no_plot:
        with replacing(output_dir, "leaderboard.png", binary=True) as file:
            plot_sweep(rows, metrics[0], args.curve_metric).savefig(file, format="png", dpi=120)
        written.append("leaderboard.png")
    console.print(f"Wrote {', '.join(written)} to {output_dir}", soft_wrap=True)


def ranking_metric(jobs: list, reported: list[str], chosen: str | None) -> tuple[str, bool | None]:
    """`--metric`, else what the jobs watched (`monitor` in metrics.json), on the test set when the
    jobs report it there; with whether higher is better when the monitor says so (None: guess)."""
    monitor = next((job.monitor for job in jobs if job.monitor), None)
    higher = None if monitor is None else monitor.get("mode") == "max"
    if chosen:
        same = monitor is not None and chosen.split("/", 1)[-1] == monitor["metric"].split("/", 1)[-1]
        return chosen, higher if same else None
    if monitor is None:
        return ("test/loss" if "test/loss" in reported else "val/loss"), False
    on_test = "test/" + monitor["metric"].split("/", 1)[-1]
    return (on_test if on_test in reported else monitor["metric"]), higher


def direction(chosen: bool | None, monitored: bool | None, jobs: list, metric: str) -> bool:
    """Whether higher is better: as chosen on the command line, else the monitor's mode, else as
    the metric declares it (torchmetrics' `higher_is_better`), else guessed from its name."""
    for higher in (chosen, monitored, declared_range(jobs, metric).higher_is_better):
        if higher is not None:
            return higher
    return not lower_is_better(metric)


def compare_two(paths: list[Path], selections: list[str], args: argparse.Namespace, console: Console) -> None:
    """A against B on the test examples both have."""
    if selections:
        if len(selections) != 2 or not paths:
            raise SystemExit(
                "compare.py: a paired comparison takes sweep dirs and then two selections, "
                f"e.g. `compare.py <sweep> model/attention=dot model/attention=none`; got {len(paths)} "
                f"dirs and {len(selections)} selections ({', '.join(selections)})"
            )
        jobs = load_sweep(paths)
        a, b = (outcomes_of(jobs, selection, args.split) for selection in selections)
    else:
        a, b = (pool(str(path), [path], args.split) for path in paths)
    print_paired(a, b, compare_paired(a, b, args.alpha), args.split, args.alpha, console)


def _are_two_runs(paths: list[Path]) -> bool:
    """Two run dirs (each with its own .hydra/), not sweeps: compare them example by example."""
    return len(paths) == 2 and all((path / OVERRIDES_FILE).is_file() for path in paths)


def _level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value
