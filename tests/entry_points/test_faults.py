"""Runs that survive faults: resume, SIGKILL, SIGTERM, determinism, NaN losses (real entry point)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import TINY, read_json, run_entry_point, single_run_dir

from plugboard.core.config.resolvers import wandb_run_id
from plugboard.core.paths import PROJECT_ROOT

# Three short epochs: long enough to interrupt, short enough to finish in seconds.
EPOCHS = [*TINY, "trainer.max_epochs=3", "callbacks.early_stopping.patience=100"]
SLOWER = [*EPOCHS, "data.train_size=1200"]


def assert_succeeded(result):
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


def test_the_same_seed_gives_identical_metrics(tmp_path: Path):
    runs = []
    for name in ("first", "second"):
        assert_succeeded(
            run_entry_point(
                "train.py", ["debug=limit", "trainer.max_epochs=1", *TINY, "seed=7"], tmp_path / name
            )
        )
        runs.append(read_json(single_run_dir(tmp_path / name, "debug") / "metrics.json")["metrics"])
    assert runs[0] == runs[1]
    assert runs[0]["train/loss"] > 0


def test_a_non_finite_loss_stops_the_run_and_names_the_step(tmp_path: Path):
    # lr=inf is refused by the config check; a finite rate this large overflows the weights at step 0.
    overrides = ["debug=limit", *TINY, "model/optimizer=sgd", "model.optimizer.lr=1e38"]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # Which step overflows first depends on the initialisation; the message must name the one it was.
    named = re.search(r"The training loss is (?:inf|nan) at step (\d+) \(epoch 0, batch \d+\)", result.stderr)
    assert named, result.stderr[-2000:]
    assert "learning rate too high" in result.stderr
    record = read_json(single_run_dir(tmp_path, "debug") / "metrics.json")
    assert (
        record["status"] == "failed"
        and named.group(0).removeprefix("The training loss is ") in record["error"]
    )


def last_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]


def assert_same_outcome(resumed: Path, uninterrupted: Path) -> None:
    resumed_record, reference = (read_json(path / "metrics.json") for path in (resumed, uninterrupted))
    assert resumed_record["status"] == "done"
    for name, value in reference["metrics"].items():
        if name.startswith(("test/", "test_long/")):
            assert resumed_record["metrics"][name] == value, name
    resumed_weights, reference_weights = last_weights(resumed), last_weights(uninterrupted)
    assert resumed_weights.keys() == reference_weights.keys()
    for name, tensor in reference_weights.items():
        assert torch.equal(resumed_weights[name], tensor), name


def start(overrides: list[str], log_dir: Path) -> subprocess.Popen:
    environment = {**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "train.py", *overrides, f"paths.log_dir={log_dir}"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_epoch_checkpoint(log_dir: Path, process: subprocess.Popen, timeout: float = 240) -> Path:
    """Waits until the run has written last.ckpt at the end of its first epoch; returns the run dir."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(log_dir.glob("train/runs/*/checkpoints/last.ckpt"))
        if found:
            time.sleep(0.5)  # let the write finish and the next epoch begin
            return found[0].parent.parent
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


@pytest.mark.slow
def test_a_killed_run_resumed_from_last_ends_like_an_uninterrupted_one(tmp_path: Path):
    assert_succeeded(run_entry_point("train.py", SLOWER, tmp_path / "uninterrupted"))

    killed_logs = tmp_path / "killed"
    process = start(SLOWER, killed_logs)
    run_dir = wait_for_epoch_checkpoint(killed_logs, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (run_dir / "metrics.json").exists()

    assert_succeeded(run_entry_point("train.py", [*SLOWER, "ckpt_path=last"], killed_logs))
    assert single_run_dir(killed_logs) == run_dir  # the resumed run went on in the same dir
    assert_same_outcome(run_dir, single_run_dir(tmp_path / "uninterrupted"))


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_and_the_run_resumes_from_it(tmp_path: Path):
    process = start([*SLOWER, "logger=many"], tmp_path)
    run_dir = wait_for_epoch_checkpoint(tmp_path, process)
    epoch_end_step = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) != 0
    saved = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["global_step"] > epoch_end_step  # saved mid-epoch, at the signal
    assert read_json(run_dir / "metrics.json")["status"] == "interrupted"

    assert_succeeded(run_entry_point("train.py", [*SLOWER, "logger=many", "ckpt_path=last"], tmp_path))
    assert single_run_dir(tmp_path) == run_dir
    record = read_json(run_dir / "metrics.json")
    assert record["status"] == "done"
    # The CSV log continued: validation rows of every epoch, before and after the interruption.
    rows = (run_dir / "csv" / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    epochs = {
        row.split(",")[header.index("epoch")] for row in rows[1:] if row.split(",")[header.index("val/loss")]
    }
    assert epochs == {"0", "1", "2"}


def test_resuming_continues_logs_and_the_wandb_run_in_the_same_dir(tmp_path: Path):
    loggers = "logger=[csv,tensorboard,wandb]"
    first = ["debug=limit", "trainer.max_epochs=1", *TINY, loggers]
    assert_succeeded(run_entry_point("train.py", first, tmp_path))
    run_dir = single_run_dir(tmp_path, "debug")
    run_id = wandb_run_id(str(run_dir))  # named after the run dir, so the resumed run finds it

    resumed = ["debug=limit", "trainer.max_epochs=2", *TINY, loggers, "ckpt_path=last"]
    assert_succeeded(run_entry_point("train.py", resumed, tmp_path))
    assert single_run_dir(tmp_path, "debug") == run_dir
    assert torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 1
    wandb_runs = sorted((run_dir / "wandb").glob("offline-run-*"))
    assert len(wandb_runs) == 2 and all(path.name.endswith(run_id) for path in wandb_runs)
    assert len(list((run_dir / "tensorboard").glob("events.out.tfevents.*"))) >= 2
