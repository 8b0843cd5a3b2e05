"""Sweeps through the real entry point: every job recorded, failures reported, resumable, compared."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

from helpers import TINY, read_json, run_entry_point, run_script

from plugboard.core.compare import main as compare_main

SWEEP = ["-m", "debug=fdr", *TINY]
# One batch per split with loggers on (a fast dev run turns loggers off).
LOGGED_SWEEP = [
    "-m",
    "debug=limit",
    "trainer.max_epochs=1",
    *(f"trainer.limit_{split}_batches=1" for split in ("train", "val", "test")),
    *TINY,
]


def sweep_jobs(sweep_dir: Path) -> list[Path]:
    return sorted((path for path in sweep_dir.iterdir() if path.is_dir()), key=lambda path: int(path.name))


def assert_succeeded(result):
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


def test_a_sweep_ends_in_a_leaderboard_and_its_wandb_runs_share_a_group(tmp_path: Path, capsys):
    sweep_dir = tmp_path / "multiruns" / "my_sweep"
    overrides = [*LOGGED_SWEEP, "logger=[csv,wandb]", "model/attention=dot,none", "seed=1,2"]
    overrides.append(f"hydra.sweep.dir={sweep_dir}")
    assert_succeeded(run_entry_point("train.py", overrides, tmp_path))
    jobs = sweep_jobs(sweep_dir)
    assert len(jobs) == 4
    records = [read_json(job / "metrics.json") for job in jobs]
    assert all(record["status"] == "done" for record in records)
    run_files = [next((job / "wandb").glob("offline-run-*/run-*.wandb")) for job in jobs]
    assert len({path.name for path in run_files}) == 4  # one wandb run per job
    assert all(b"debug-my_sweep" in path.read_bytes() for path in run_files)  # one group

    result = run_script("compare.py", [str(sweep_dir), "--metric", "test/token_accuracy"])
    assert_succeeded(result)
    by_attention: dict[str, list[float]] = {"dot": [], "none": []}
    for record in records:
        attention = next(o.split("=")[1] for o in record["overrides"] if o.startswith("model/attention="))
        by_attention[attention].append(record["metrics"]["test/token_accuracy"])
    with open(sweep_dir / "leaderboard.csv", newline="") as file:
        rows = {row["model/attention"]: row for row in csv.DictReader(file)}
    assert set(rows) == {"dot", "none"}
    for attention, values in by_attention.items():
        row = rows[attention]
        assert float(row["test/token_accuracy_mean"]) == statistics.fmean(values)
        assert float(row["test/token_accuracy_std"]) == statistics.stdev(values)
        assert int(row["n"]) == 2
    assert (sweep_dir / "leaderboard.png").stat().st_size > 0
    assert rows["none"]["verdict"] == "too few runs to tell"  # 2 seeds against 2

    # The two configurations, test example by test example (each job wrote test_examples.jsonl).
    compare_main([str(sweep_dir), "model/attention=dot", "model/attention=none"])
    paired = capsys.readouterr().out
    assert "16 test examples both have" in paired and "exact McNemar on" in paired


def test_a_failing_job_is_recorded_and_a_rerun_skips_the_jobs_done(tmp_path: Path):
    sweep_dir = tmp_path / "sweep"
    # The second job's task has two possible inputs (one symbol out of two), both seen in training, so
    # none is left for validation: a valid config that fails only when run (bad values stop a sweep
    # before it starts, tests/core/config/test_preflight.py).
    task = ["data.task.num_symbols=2", "data.task.max_length=25,1"]
    overrides = [*SWEEP, *task, f"hydra.sweep.dir={sweep_dir}"]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(result)  # the failure did not stop the sweep
    done, failed = sweep_jobs(sweep_dir)
    assert read_json(done / "metrics.json")["status"] == "done"
    failure = read_json(failed / "metrics.json")
    assert failure["status"] == "failed"
    assert "Could not draw 16 'val' examples" in failure["error"]

    report = run_script("compare.py", [str(sweep_dir)])
    assert_succeeded(report)
    assert "failed" in report.stdout and "Could not draw" in report.stdout
    assert "Could not draw" in (sweep_dir / "leaderboard.md").read_text()

    finished_at = (done / "metrics.json").stat().st_mtime_ns
    rerun = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(rerun)
    assert (done / "metrics.json").stat().st_mtime_ns == finished_at
    assert f"Skipping {done}" in rerun.stdout + rerun.stderr
    assert read_json(failed / "metrics.json")["status"] == "failed"  # ran again, failed again


def test_a_sweep_over_folds_is_one_configuration_of_as_many_runs(tmp_path: Path):
    """`data.fold` is a repetition, like `seed`: compare.py gives the folds one row, n = 3."""
    sweep_dir = tmp_path / "folds"
    folds = ["model=classifier", "data=labelled_tsv", "data.folds=3", "data.fold=0,1,2"]
    overrides = ["-m", "debug=fdr", "extras.print_config=false", *folds, f"hydra.sweep.dir={sweep_dir}"]
    assert_succeeded(run_entry_point("train.py", overrides, tmp_path))
    reports = [read_json(job / "data_report.json")["splits"] for job in sweep_jobs(sweep_dir)]
    sizes = [{split: report[split]["examples"] for split in ("train", "val", "test")} for report in reports]
    assert sizes == [{"train": 240, "val": 120, "test": 40}] * 3  # a third each of the 360 outside test

    assert_succeeded(run_script("compare.py", [str(sweep_dir), "--no-plot"]))
    with open(sweep_dir / "leaderboard.csv", newline="") as file:
        (row,) = csv.DictReader(file)
    assert int(row["n"]) == 3 and "data.fold" not in row
    assert "Intervals: Student t over folds" in (sweep_dir / "leaderboard.md").read_text()
