"""`python compare.py` and the notebook on a small sweep written by hand, with numbers known here.

The sweep: two configurations (attention dot × 3 seeds, none × 2 seeds) that finished, plus a
failed job, a job still running (a partial CSV log, no metrics.json) and a job whose metrics.json
is empty. Every finished job wrote the outcome of its 20 test examples: examples 0-9 every run
gets right, 10-18 only dot gets right, 19 only none: 10 discordant examples, 9 for dot, 1 for none,
so exact McNemar gives p = 2 · (1 + 10) / 2^10 = 0.021 (two-sided binomial on 9 of 10).
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import require

from plugboard.core.analysis import leaderboard, load_sweep, mean_curve, plot_sweep, read_curve
from plugboard.core.compare import main
from plugboard.core.paths import PROJECT_ROOT

EXACT_MATCH = {"dot": [0.90, 0.80, 0.85], "none": [0.30, 0.50]}
LOSS = {"dot": [0.20, 0.35, 0.25], "none": [1.00, 1.20]}
FAILURE = "RuntimeError: the loss is NaN at step 12"
# Exact match is a torchmetrics fraction; the loss, logged as a plain number, declares nothing.
RANGES = {"test/exact_match": {"lower": 0.0, "upper": 1.0, "higher_is_better": True}}
NOTEBOOK = PROJECT_ROOT / "notebooks" / "compare_sweeps.ipynb"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Which of the 20 test examples each configuration gets right (the same in each of its runs).
RIGHT = {"dot": set(range(19)), "none": {*range(10), 19}}
MCNEMAR_P = 2 * (1 + 10) / 2**10  # 0.0215: 9 of 10 discordant examples for dot

require("scipy")
require("statsmodels")


def write_job(job_dir: Path, attention: str, seed: int, record: dict | str | None, epochs: int = 3) -> None:
    (job_dir / ".hydra").mkdir(parents=True)
    overrides = [f"seed={seed}", f"model/attention={attention}", "experiment=attention_dates"]
    (job_dir / ".hydra" / "overrides.yaml").write_text("".join(f"- {item}\n" for item in overrides))
    if isinstance(record, dict):  # as train.py writes it: the metric the run watched, what metrics declare
        record = {**record, "monitor": {"metric": "val/exact_match", "mode": "max"}, "metric_ranges": RANGES}
    if record is not None:
        (job_dir / "metrics.json").write_text(record if isinstance(record, str) else json.dumps(record))
    if isinstance(record, dict) and record["status"] == "done":
        outcomes = [
            {
                "split": "test",
                "id": i,
                "correct": i in RIGHT[attention],
                "cer": 0.0 if i in RIGHT[attention] else 0.5,
            }
            for i in range(20)
        ]
        (job_dir / "test_examples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in outcomes))
    (job_dir / "csv").mkdir()
    lines = ["epoch,step,train/loss,val/exact_match"]
    for epoch in range(epochs):  # a train row with no val value, then the epoch's val row
        lines += [f",{epoch * 10 + 5},0.5,", f"{epoch},{epoch * 10 + 9},,{validation_value(seed, epoch)}"]
    (job_dir / "csv" / "metrics.csv").write_text("\n".join(lines) + "\n")


def validation_value(seed: int, epoch: int) -> float:
    return 0.1 * epoch + 0.01 * seed


def build_sweep(sweep: Path) -> Path:
    number = 0
    for attention, values in EXACT_MATCH.items():
        for seed, (exact_match, loss) in enumerate(zip(values, LOSS[attention], strict=True), start=1):
            metrics = {"test/exact_match": exact_match, "test/loss": loss}
            write_job(
                sweep / str(number), attention, seed, {"status": "done", "metrics": metrics, "duration_s": 60}
            )
            number += 1
    write_job(sweep / str(number), "additive", 1, {"status": "failed", "metrics": {}, "error": FAILURE})
    write_job(sweep / str(number + 1), "additive", 2, None, epochs=2)
    with open(sweep / str(number + 1) / "csv" / "metrics.csv", "a") as log:
        log.write("2,29,0.4")  # a line cut short by the running job
    write_job(sweep / str(number + 2), "additive", 3, "")
    return sweep


def formatted(values: list[float]) -> str:
    return f"{statistics.fmean(values) * 100:.1f} ± {statistics.stdev(values) * 100:.1f}"


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`python compare.py <sweep>` run once, as a user runs it; the tests below read what it left."""
    sweep = build_sweep(tmp_path_factory.mktemp("logs") / "multiruns" / "2026-01-01_00-00-00")
    result = subprocess.run(
        [sys.executable, "compare.py", str(sweep)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return sweep, result.stdout


def test_rows_are_ranked_with_mean_and_std_over_seeds(cli_run):
    """By default by the metric the runs watched (val/exact_match), on the test set."""
    sweep, stdout = cli_run
    with open(sweep / "leaderboard.csv", newline="") as file:
        records = list(csv.DictReader(file))
    assert [record["model/attention"] for record in records] == ["dot", "none"]
    assert "seed" not in records[0] and "experiment" not in records[0]  # seed grouped, constant key hidden
    for record in records:
        values = EXACT_MATCH[record["model/attention"]]
        assert float(record["test/exact_match_mean"]) == pytest.approx(statistics.fmean(values))
        assert float(record["test/exact_match_std"]) == pytest.approx(statistics.stdev(values))
        assert int(record["n"]) == len(values)
    markdown = (sweep / "leaderboard.md").read_text()
    for text in (stdout, markdown):
        assert formatted(EXACT_MATCH["dot"]) in text and formatted(EXACT_MATCH["none"]) in text
        assert text.index(formatted(EXACT_MATCH["dot"])) < text.index(formatted(EXACT_MATCH["none"]))
    # Every test metric without --metrics; the fraction × 100, the loss as logged (mean 0.267).
    assert "| model/attention | test/exact_match (%) | 95% CI | test/loss | n |" in markdown
    assert "| 1 | dot | 85.0 ± 5.0 | [72.6, 97.4] | 0.27 ± 0.08 | 3 |  | reference | 1.0 |" in markdown
    assert float(records[0]["test/loss_mean"]) == pytest.approx(statistics.fmean(LOSS["dot"]))


def test_each_configuration_gets_an_interval_and_a_verdict_against_the_best(cli_run):
    sweep, stdout = cli_run
    with open(sweep / "leaderboard.csv", newline="") as file:
        dot, none = csv.DictReader(file)
    # Student t over 3 seeds: 0.85 ± t(0.975, 2 df) · 0.05 / √3, with t = 4.3027 from the table.
    half_width = 4.302653 * 0.05 / 3**0.5
    assert float(dot["test/exact_match_ci_low"]) == pytest.approx(0.85 - half_width, abs=1e-6)
    assert float(dot["test/exact_match_ci_high"]) == pytest.approx(0.85 + half_width, abs=1e-6)
    # 2 runs against 3: the most extreme of the C(5, 2) = 10 splits gives p = 2/10 at best.
    assert none["verdict"] == "too few runs to tell" and float(none["p_value"]) == pytest.approx(0.2)
    for text in (stdout, (sweep / "leaderboard.md").read_text()):
        assert "too few runs to tell" in text
        assert "model/attention=none: 2 runs against 3: no outcome could reach p ≤ 0.05" in text
        assert "it takes 4 runs of each" in text


def test_two_configurations_are_compared_example_by_example(cli_run, capsys):
    sweep, _ = cli_run
    main([str(sweep), "model/attention=dot", "model/attention=none"])
    stdout = capsys.readouterr().out
    lines = stdout.splitlines()
    accuracy = next(line for line in lines if "accuracy" in line)
    # 95% against 55% right, 10 discordant examples 9:1.
    assert "95.0" in accuracy and "55.0" in accuracy and "+40.0" in accuracy
    assert f"{MCNEMAR_P:.2g}" in accuracy and "better" in accuracy
    assert "exact McNemar on 10 discordant examples (9 for A, 1 for B)" in accuracy
    cer = next(line for line in lines if line.lstrip("│ ").startswith("cer"))
    assert "-20.0" in cer and "better" in cer  # a lower character error is better
    assert "20 test examples both have" in stdout and "3 runs" in stdout


def test_failed_unfinished_and_unreadable_jobs_are_listed_with_the_reason(cli_run):
    sweep, stdout = cli_run
    markdown = (sweep / "leaderboard.md").read_text()
    for text in (stdout, markdown):
        assert "failed: 2026-01-01_00-00-00/5 (seed=1 model/attention=additive" in text
        assert FAILURE in text
        assert "unfinished: 2026-01-01_00-00-00/6" in text and "last logged epoch 2" in text
        assert (
            "failed: 2026-01-01_00-00-00/7" in text and "unreadable metrics.json: the file is empty" in text
        )


def test_the_plot_is_a_png(cli_run):
    sweep, stdout = cli_run
    image = (sweep / "leaderboard.png").read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 1000
    assert "Wrote leaderboard.md, leaderboard.csv, leaderboard.png" in stdout


def test_the_curves_panel_is_left_out_without_csv_logs(tmp_path: Path):
    rows = leaderboard(load_sweep(build_sweep(tmp_path / "sweep")), "test/exact_match")
    assert len(plot_sweep(rows, "test/exact_match").axes) == 2
    for log in tmp_path.rglob("metrics.csv"):
        log.unlink()
    assert len(plot_sweep(rows, "test/exact_match").axes) == 1


def test_validation_curves_are_averaged_over_seeds(tmp_path: Path):
    sweep = build_sweep(tmp_path / "sweep")
    curves = [read_curve(sweep / str(number), "val/exact_match") for number in range(3)]
    assert curves[0].x_name == "epoch" and curves[0].x == [0, 1, 2]
    mean = mean_curve(curves)
    expected = [statistics.fmean(validation_value(seed, epoch) for seed in (1, 2, 3)) for epoch in range(3)]
    assert mean.y == pytest.approx(expected)
    assert mean.low == pytest.approx([validation_value(1, epoch) for epoch in range(3)])
    assert read_curve(sweep / "6", "val/exact_match").x == [0, 1]  # the cut line is skipped
    assert read_curve(sweep / "0", "val/bleu") is None


def test_lower_is_better_reverses_the_ranking(tmp_path: Path, capsys):
    sweep = build_sweep(tmp_path / "sweep")
    main([str(sweep), "--lower-is-better", "--no-plot", "--output", str(tmp_path / "out")])
    with open(tmp_path / "out" / "leaderboard.csv", newline="") as file:
        assert [record["model/attention"] for record in csv.DictReader(file)] == ["none", "dot"]
    assert "lower is better" in capsys.readouterr().out
    assert [row.configuration["model/attention"] for row in leaderboard(load_sweep(sweep), "test/loss")] == [
        "dot",
        "none",
    ]  # a loss goes down without being told


def test_a_missing_dir_is_one_line_of_error(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "compare.py", str(tmp_path / "nowhere")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr == f"compare.py: no such directory: {tmp_path / 'nowhere'}\n"


def test_a_dir_without_jobs_is_one_line_of_error(tmp_path: Path):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert str(exit_info.value) == f"compare.py: no Hydra jobs (no .hydra/overrides.yaml) under {tmp_path}"


def test_an_unknown_metric_names_the_ones_reported(tmp_path: Path):
    with pytest.raises(SystemExit) as exit_info:
        main([str(build_sweep(tmp_path / "sweep")), "--metric", "test/bleu"])
    assert "no job reported 'test/bleu'" in str(exit_info.value) and "test/exact_match" in str(
        exit_info.value
    )


def test_the_notebook_runs_on_a_sweep(tmp_path: Path, monkeypatch):
    nbformat = require("nbformat")
    nbclient = require("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert all(not cell.get("outputs") for cell in notebook.cells), "the notebook is stored without outputs"

    monkeypatch.setenv("PLUGBOARD_SWEEP", str(build_sweep(tmp_path / "sweep")))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nbclient.NotebookClient(notebook, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    markdown = "".join(output.get("data", {}).get("text/markdown", "") for output in outputs)
    assert formatted(EXACT_MATCH["dot"]) in markdown and FAILURE in markdown
    assert "[72.6, 97.4]" in markdown and "too few runs to tell" in markdown
    assert "exact McNemar on 10 discordant examples (9 for A, 1 for B)" in markdown
    assert any("image/png" in output.get("data", {}) for output in outputs)
