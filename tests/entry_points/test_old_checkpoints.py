"""Checkpoints written by Plugboard 0.1.0, before the core's modules moved (0.2.0), still evaluate
and predict: the 0.1.0 tree is taken from the project's git history and trains one, then the
current entry points read it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from helpers import TINY, read_json, run_entry_point, single_run_dir

from plugboard.core.paths import PROJECT_ROOT

VERSION_0_1_0 = "99b6715954779e9687bbf1fc7fd8a10c8678ea79"  # the last commit before the moves


def _tree_of(commit: str, into: Path) -> Path:
    """The project as it was at `commit`, unpacked into `into` (from git's own archive)."""
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=PROJECT_ROOT, capture_output=True
    )
    if found.returncode != 0:
        pytest.skip(f"needs the project's git history with commit {commit[:7]} (a clone, not a shallow copy)")
    archive = subprocess.run(["git", "archive", commit], cwd=PROJECT_ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.mark.slow
def test_a_checkpoint_of_0_1_0_evaluates_and_predicts(tmp_path: Path):
    old = _tree_of(VERSION_0_1_0, tmp_path / "plugboard-0.1.0")
    logs = tmp_path / "logs"
    overrides = ["data=dates", *TINY, "trainer.max_epochs=1", "test=false", f"paths.log_dir={logs}"]
    trained = subprocess.run(
        [sys.executable, "train.py", *overrides],
        cwd=old,  # its own code: the 0.1.0 package comes first on the path
        env={
            **os.environ,
            "PYTHONPATH": str(old / "src"),
            "WANDB_MODE": "offline",
            "PYTHONWARNINGS": "ignore",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    checkpoint = read_json(single_run_dir(logs) / "metrics.json")["best_checkpoint"]
    assert checkpoint.startswith(str(logs))

    evaluated = run_entry_point("eval.py", [f"ckpt_path={checkpoint}"], tmp_path / "eval")
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert read_json(single_run_dir(tmp_path / "eval", "eval") / "metrics.json")["status"] == "done"
    predicted = run_entry_point(
        "predict.py", [f"ckpt_path={checkpoint}", 'inputs=["12 march 2021"]'], tmp_path
    )
    assert predicted.returncode == 0, predicted.stderr[-3000:]
