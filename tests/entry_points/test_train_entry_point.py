"""`python train.py` / `python eval.py` through the real entry points, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY, read_json, run_entry_point, single_run_dir

LIMIT = ["debug=limit", *TINY]


def assert_succeeded(result):
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


def test_fast_dev_run_leaves_metrics_and_a_checkpoint(tmp_path: Path):
    result = run_entry_point("train.py", ["debug=fdr", *TINY], tmp_path)
    assert_succeeded(result)
    run_dir = single_run_dir(tmp_path, "debug")
    record = read_json(run_dir / "metrics.json")
    assert record["status"] == "done"
    assert {"test/exact_match", "test/loss", "test_long/exact_match"} <= set(record["metrics"])
    assert Path(record["best_checkpoint"]).is_file()
    # What each metric's class declares, for compare.py: fractions (× 100 there), rates above 0.
    fraction = {"lower": 0.0, "upper": 1.0, "higher_is_better": True}
    assert (
        record["metric_ranges"]["test/exact_match"] == record["metric_ranges"]["test_long/bleu"] == fraction
    )
    assert record["metric_ranges"]["test/cer"] == {"lower": 0.0, "upper": None, "higher_is_better": False}
    assert "test/loss" not in record["metric_ranges"]
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    assert (run_dir / "run_info.json").is_file()
    # The outcome of each test example, for paired comparisons: one batch of 16 per test split.
    lines = [json.loads(line) for line in (run_dir / "test_examples.jsonl").read_text().splitlines()]
    for split in ("test", "test_long"):
        examples = [line for line in lines if line["split"] == split]
        assert [line["id"] for line in examples] == list(range(16))
        accuracy = sum(line["correct"] for line in examples) / 16
        assert accuracy == pytest.approx(record["metrics"][f"{split}/exact_match"])
        assert all((line["cer"] == 0) == line["correct"] for line in examples)


def test_the_test_table_shows_each_split_under_its_own_loader(tmp_path: Path):
    """Lightning's table has a column per test loader: a split's metrics only in its own column."""
    result = run_entry_point("train.py", ["debug=fdr", *TINY], tmp_path, COLUMNS="160")
    assert_succeeded(result)
    lines = [line.replace("┃", "│") for line in result.stdout.splitlines()]
    rows = [[cell.strip() for cell in line[1:-1].split("│")] for line in lines if line.count("│") == 4]
    header, metrics = rows[0], rows[1:]  # the model summary above has more columns
    assert header[1:] == ["DataLoader 0", "DataLoader 1"]
    test, test_long = (
        [row[1:] for row in metrics if row[0].startswith(prefix)] for prefix in ("test/", "test_long/")
    )
    assert len(test) >= 5 and len(test_long) == len(test)
    assert all(zero and not one for zero, one in test), test
    assert all(one and not zero for zero, one in test_long), test_long


@pytest.mark.parametrize(
    ("logger", "expected"),
    [
        # csv, TensorBoard and wandb writing into the run dir (and continuing it on resume) are
        # checked in the fast suite by test_faults.py's resume test; these run with the slow tests.
        pytest.param("csv", "csv/metrics.csv", marks=pytest.mark.slow),
        pytest.param("mlflow", None, marks=pytest.mark.slow),
        pytest.param("tensorboard", "tensorboard", marks=pytest.mark.slow),
        pytest.param("wandb", "wandb", marks=pytest.mark.slow),
        pytest.param("many", "csv/metrics.csv", marks=pytest.mark.slow),
    ],
)
def test_each_logger_writes_into_the_run_dir(tmp_path: Path, logger: str, expected: str | None):
    result = run_entry_point("train.py", [*LIMIT, f"logger={logger}"], tmp_path)
    assert_succeeded(result)
    run_dir = single_run_dir(tmp_path, "debug")
    assert read_json(run_dir / "metrics.json")["status"] == "done"
    if expected is None:  # mlflow keeps one store for all runs, under logs/mlflow
        assert any((tmp_path / "mlflow").rglob("meta.yaml"))
    else:
        assert (run_dir / expected).exists(), sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*"))
    if logger == "many":
        assert any((run_dir / "tensorboard").rglob("events.out.tfevents.*"))


# eval.py giving the training run's test metrics: fast in tests/entry_points/test_add_a_family.py
@pytest.mark.slow
def test_cpu_trainer_and_resulting_checkpoint_evaluates_to_the_same_metrics(tmp_path: Path):
    train_logs, eval_logs = tmp_path / "train", tmp_path / "eval"
    assert_succeeded(run_entry_point("train.py", [*LIMIT, "trainer=cpu"], train_logs))
    trained = read_json(single_run_dir(train_logs, "debug") / "metrics.json")

    result = run_entry_point(
        "eval.py", [f"ckpt_path={trained['best_checkpoint']}", "extras.print_config=false"], eval_logs
    )
    assert_succeeded(result)
    evaluated = read_json(single_run_dir(eval_logs, "eval") / "metrics.json")
    test_names = [name for name in trained["metrics"] if name.startswith(("test/", "test_long/"))]
    assert test_names
    for name in test_names:
        assert evaluated["metrics"][name] == pytest.approx(trained["metrics"][name], abs=1e-6), name
        assert evaluated["metric_ranges"].get(name) == trained["metric_ranges"].get(name), name
