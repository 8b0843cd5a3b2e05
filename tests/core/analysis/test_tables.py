"""What the leaderboard shows of each metric: × 100 only for a declared fraction, raw values at
a precision that fits them, intervals inside the declared range, every test metric in one order.

Numbers worked out here: accuracies 0.0, 0.1, 0.2 of three seeds have mean 0.1, std 0.1 and a
Student-t 95% interval 0.1 ± 4.3027 · 0.1 / √3 = [-0.148, 0.348], which an accuracy cannot reach
below 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import require

from plugboard.core.analysis import (
    Job,
    MetricRange,
    compare_with_reference,
    leaderboard,
    markdown_table,
    metrics_to_show,
    write_csv,
)
from plugboard.core.analysis.sweep import read_job

require("scipy")

FRACTION = {"lower": 0.0, "upper": 1.0, "higher_is_better": True}
ACCURACY = MetricRange(0.0, 1.0, True)
HALF_WIDTH = 4.302653 * 0.1 / 3**0.5


def jobs_of(values: dict[str, list[float]], ranges: dict[str, MetricRange] | None = None) -> list[Job]:
    """One job per seed of one configuration, each metric's values in seed order."""
    seeds = len(next(iter(values.values())))
    return [
        Job(
            Path(str(seed)),
            str(seed),
            {"seed": str(seed), "model/hidden": "16"},
            "done",
            {metric: series[seed] for metric, series in values.items()},
            metric_ranges=dict(ranges or {}),
        )
        for seed in range(seeds)
    ]


def markdown_rows(jobs: list[Job], metrics: list[str]) -> list[str]:
    return markdown_table(leaderboard(jobs, metrics[0], True), metrics).splitlines()


def test_a_declared_fraction_is_shown_times_100_and_headed_so():
    jobs = jobs_of({"test/acc": [0.8, 0.85, 0.9]}, {"test/acc": ACCURACY})
    header, _, row = markdown_rows(jobs, ["test/acc"])
    assert header.startswith("| # | model/hidden | test/acc (%) | 95% CI |")
    assert "| 85.0 ± 5.0 |" in row


def test_an_undeclared_metric_is_shown_as_logged():
    """A loss, or an accuracy logged as a plain float: no × 100, three significant digits."""
    jobs = jobs_of({"test/loss": [0.4123, 0.5, 0.45], "test/acc": [0.8, 0.85, 0.9]})
    header, _, row = markdown_rows(jobs, ["test/loss", "test/acc"])
    assert "| test/loss | 95% CI | test/acc | n |" in header and "(%)" not in header
    assert "| 0.454 ± 0.044 |" in row and "| 0.850 ± 0.050 |" in row


def test_large_and_small_values_keep_three_significant_digits():
    jobs = jobs_of({"test/outputs_cut": [1200.0, 1300.0], "test/perplexity": [0.00123, 0.00125]})
    _, _, row = markdown_rows(jobs, ["test/outputs_cut", "test/perplexity"])
    assert "| 1250 ± 71 |" in row and "| 0.00124 ± 0.00001 |" in row


def test_the_interval_stays_inside_the_declared_range():
    declared = jobs_of({"test/acc": [0.0, 0.1, 0.2]}, {"test/acc": ACCURACY})
    (row,) = leaderboard(declared, "test/acc", True)
    assert row.interval("test/acc") == pytest.approx((0.0, 0.1 + HALF_WIDTH))
    assert f"| [0.0, {(0.1 + HALF_WIDTH) * 100:.1f}] |" in markdown_rows(declared, ["test/acc"])[2]
    # Without a declaration nothing is known about the range: the interval is Student t's own.
    (undeclared,) = leaderboard(jobs_of({"test/acc": [0.0, 0.1, 0.2]}), "test/acc", True)
    assert undeclared.interval("test/acc") == pytest.approx((0.1 - HALF_WIDTH, 0.1 + HALF_WIDTH))


def test_the_csv_keeps_raw_values_and_clipped_intervals(tmp_path: Path):
    jobs = jobs_of({"test/acc": [0.0, 0.1, 0.2]}, {"test/acc": ACCURACY})
    write_csv(leaderboard(jobs, "test/acc", True), ["test/acc"], tmp_path / "leaderboard.csv")
    with open(tmp_path / "leaderboard.csv", newline="") as file:
        (record,) = csv.DictReader(file)
    assert float(record["test/acc_mean"]) == pytest.approx(0.1)
    assert float(record["test/acc_ci_low"]) == 0.0


def test_every_test_metric_is_shown_ranking_metric_first_and_names_kept_together():
    reported = [
        "test/loss",
        "test_long/acc",
        "val/acc",
        "test/acc",
        "test_long/loss",
        "test/f1",
        "val/acc_best",
        "test_long/exact_match",
        "test/exact_match",
    ]
    assert metrics_to_show("test/exact_match", reported) == [
        "test/exact_match",
        "test_long/exact_match",
        "test/acc",
        "test_long/acc",
        "test/f1",
        "test/loss",
        "test_long/loss",
    ]
    assert metrics_to_show("val/loss", ["val/loss", "train/loss"]) == ["val/loss"]


def test_without_a_direction_given_the_declared_one_ranks():
    """`higher_is_better` declared false (an error rate whose name says nothing): smallest first."""
    errors = MetricRange(0.0, 1.0, False)
    jobs = [
        Job(
            Path(name),
            name,
            {"model/hidden": name},
            "done",
            {"test/mistakes": value},
            metric_ranges={"test/mistakes": errors},
        )
        for name, value in (("4", 0.3), ("16", 0.1))
    ]
    assert [row.configuration["model/hidden"] for row in leaderboard(jobs, "test/mistakes")] == ["16", "4"]


def test_declarations_are_read_from_metrics_json_and_garbage_is_dropped(tmp_path: Path):
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "overrides.yaml").write_text("- seed=1\n")
    (tmp_path / "metrics.json").write_text(
        '{"status": "done", "metrics": {"test/acc": 0.9}, "metric_ranges": {'
        '"test/acc": {"lower": 0, "upper": 1, "higher_is_better": true},'
        '"test/cer": {"lower": 0.0, "upper": null, "higher_is_better": false},'
        '"test/odd": {"lower": 2, "upper": 1}, "test/text": "0 to 1", "test/none": {}}}'
    )
    job = read_job(tmp_path)
    assert job.metric_ranges == {"test/acc": ACCURACY, "test/cer": MetricRange(0.0, None, False)}
    assert job.metric_ranges["test/acc"].is_fraction and not job.metric_ranges["test/cer"].is_fraction


def test_jobs_that_disagree_about_a_metric_declare_nothing():
    jobs = jobs_of({"test/acc": [0.8, 0.9]}, {"test/acc": ACCURACY})
    jobs[1].metric_ranges["test/acc"] = MetricRange(0.0, 100.0, True)
    header, _, row = markdown_rows(jobs, ["test/acc"])
    assert "test/acc (%)" not in header and "| 0.850 ± 0.071 |" in row


def jobs_over(repetitions: list[dict[str, str]], hidden: str, accuracies: list[float]) -> list[Job]:
    """One job per repetition (its seed and fold overrides) of the configuration `model/hidden`."""
    return [
        Job(
            Path(f"{hidden}-{index}"),
            f"{hidden}-{index}",
            {**overrides, "model/hidden": hidden},
            "done",
            {"test/acc": acc},
        )
        for index, (overrides, acc) in enumerate(zip(repetitions, accuracies, strict=True))
    ]


def notes_of(jobs: list[Job]) -> list[str]:
    rows = leaderboard(jobs, "test/acc", True)
    table = markdown_table(rows, ["test/acc"], jobs, compare_with_reference(rows, "test/acc", True))
    return [line for line in table.splitlines() if line.startswith("- ")]


def test_folds_are_grouped_like_seeds_and_the_notes_say_so():
    folds = [{"data.folds": "3", "data.fold": str(fold)} for fold in range(3)]
    jobs = jobs_over(folds, "16", [0.8, 0.9, 0.85]) + jobs_over(folds, "4", [0.5, 0.6, 0.55])
    rows = leaderboard(jobs, "test/acc", True)
    assert [(row.configuration, row.n) for row in rows] == [
        ({"data.folds": "3", "model/hidden": "16"}, 3),
        ({"data.folds": "3", "model/hidden": "4"}, 3),
    ]
    verdicts = notes_of(jobs)[0]
    assert "exact permutation test over folds" in verdicts and "Intervals: Student t over folds" in verdicts
    header = markdown_table(rows, ["test/acc"]).splitlines()[0]
    assert "data.fold " not in header and "| n |" in header


def test_a_single_configuration_says_what_its_interval_is_over():
    seeds_and_folds = [{"seed": seed, "data.fold": fold} for seed in "12" for fold in "01"]
    assert notes_of(jobs_over(seeds_and_folds, "16", [0.8, 0.9, 0.85, 0.8])) == [
        "- Intervals: Student t over seeds and folds, 95%."
    ]
    seeds = [{"seed": seed} for seed in "123"]
    assert notes_of(jobs_over(seeds, "16", [0.8, 0.9, 0.85])) == ["- Intervals: Student t over seeds, 95%."]
