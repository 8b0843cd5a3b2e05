"""Search workers on one Optuna study through the real `train.py -m`: two workers end the study at
exactly n_trials finished trials, each trial in one job dir of one worker's own sweep dir, on the
journal and on SQLite; pruning reaches every worker's jobs; a worker killed mid-trial leaves that
trial failed, and a worker started after it finishes the study.

The sweeper's loop with a stub launcher (fast): tests/hydra_plugins/test_optuna_workers.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import TINY, read_json, require, run_entry_point

from plugboard.core.paths import PROJECT_ROOT

SEARCH = ["-m", "hparams_search=attention_optuna", *TINY]
SMALL = ["trainer.max_epochs=1", "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=1"]
QUIET = [
    "callbacks.attention_heatmaps=null",
    "callbacks.model_summary=null",
    "callbacks.rich_progress_bar=null",
]
FAST_HEARTBEAT = ["hydra.sweeper.heartbeat_interval=1", "hydra.sweeper.grace_period=4"]


def load_study(storage: str):
    optuna = require("optuna")
    from plugboard.core.job.optuna_trial import open_storage

    return optuna.load_study(study_name="attention_optuna", storage=open_storage(storage))


def assert_succeeded(result) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


@pytest.mark.slow  # 15-45 s on 2 cores: two processes import torch and Lightning
@pytest.mark.parametrize("storage", ["journal", "sqlite"])
def test_two_workers_end_the_study_at_exactly_n_trials(tmp_path: Path, storage: str):
    require("optuna")
    journal = tmp_path / "attention_optuna" / "studies" / "attention_optuna.log"
    url = str(journal) if storage == "journal" else f"sqlite:///{tmp_path / 'study.db'}"
    # On the journal every trial is pruned after its first epoch: each worker's jobs reach the pruner.
    pruning = (
        ["hydra/sweeper/pruner=threshold", "hydra.sweeper.pruner.lower=2.0"] if storage == "journal" else []
    )
    overrides = [*SEARCH, *SMALL, *QUIET, "hydra.sweeper.n_trials=6", "hydra.sweeper.n_workers=2", *pruning]
    result = run_entry_point("train.py", [*overrides, f"hydra.sweeper.storage={url}"], tmp_path, timeout=600)
    assert_succeeded(result)

    study = load_study(url)
    finished = {
        trial.number for trial in study.trials if trial.state.is_finished() and trial.state.name != "FAIL"
    }
    assert len(finished) == 6
    assert all(trial.user_attrs.get("surplus") for trial in study.trials if trial.number not in finished)
    sweeps = sorted((tmp_path / "attention_optuna" / "multiruns").iterdir())
    assert [sweep.name.endswith("_worker1") for sweep in sweeps] == [False, True]
    jobs = [int(job.name) for sweep in sweeps for job in sweep.iterdir() if job.is_dir()]
    assert sorted(jobs) == sorted(finished)  # each trial in one job dir, whichever worker ran it
    # Both workers ended with the study. Which ran how many trials depends on how soon the second
    # one started (it imports torch first); the stub test shows every worker taking part.
    assert all((sweep / "optimization_results.yaml").exists() for sweep in sweeps)
    expected = "pruned" if pruning else "done"
    for sweep in sweeps:
        for job in (job for job in sweep.iterdir() if job.is_dir()):
            assert read_json(job / "metrics.json")["status"] == expected, job


@pytest.mark.slow  # about 15 s on 2 cores, two worker processes one after the other
def test_a_killed_workers_trial_is_failed_and_another_worker_finishes_the_study(tmp_path: Path):
    require("optuna")
    journal = tmp_path / "attention_optuna" / "studies" / "attention_optuna.log"
    search = [*SEARCH, *QUIET, *FAST_HEARTBEAT, "hydra.sweeper.n_trials=2", "hydra/sweeper/pruner=nop"]
    endless = [*search, "trainer.max_epochs=1000", f"paths.log_dir={tmp_path}"]
    killed = subprocess.Popen(
        [sys.executable, "train.py", *endless],
        cwd=PROJECT_ROOT,
        env={**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not _epochs_reported(journal) and time.monotonic() < deadline:
            time.sleep(1)
        assert _epochs_reported(journal), "the first worker never got its trial going"
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()

    result = run_entry_point("train.py", [*search, *SMALL, "hydra.sweeper.worker=1"], tmp_path, timeout=600)
    assert_succeeded(result)
    states = {trial.number: trial.state.name for trial in load_study(str(journal)).trials}
    assert states == {0: "FAIL", 1: "COMPLETE", 2: "COMPLETE"}
    assert "Trial 0 recorded as failed: not heard from for 4 s" in result.stdout + result.stderr


def _epochs_reported(journal: Path) -> bool:
    """Whether trial 0 has reported a validation value: its worker is mid-trial."""
    try:
        trials = load_study(str(journal)).trials
    except (KeyError, FileNotFoundError):  # the study is not there yet
        return False
    return bool(trials and trials[0].intermediate_values)
