"""Shared helpers: composing configs in-process and running the real entry points."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from plugboard.core.paths import CONFIG_DIR, PROJECT_ROOT

# A model and data small enough that a full train + test runs in seconds on CPU.
TINY = [
    "data.train_size=96",
    "data.val_size=16",
    "data.test_size=16",
    "data.batch_size=16",
    "model.encoder.embedding_size=8",
    "model.encoder.hidden_size=16",
    "model.decoder.embedding_size=8",
    "extras.print_config=false",
]


def compose_config(overrides: list[str], output_dir: Path, config_name: str = "train") -> DictConfig:
    """The config `train.py` would see, with the run dir pointed at `output_dir`."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose(
            config_name,
            overrides=[*overrides, f"paths.output_dir={output_dir}", f"paths.log_dir={output_dir}"],
        )


def run_entry_point(script: str, overrides: list[str], log_dir: Path, timeout: int = 300, **env: str):
    """Runs `python <script> <overrides>` from the project root with logs under `log_dir`."""
    return run_script(script, [*overrides, f"paths.log_dir={log_dir}"], timeout, **env)


def run_script(script: str, arguments: list[str], timeout: int = 300, **env: str):
    """Runs `python <script> <arguments>` from the project root, as a user would."""
    environment = {**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore", **env}
    return subprocess.run(
        [sys.executable, script, *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def single_run_dir(log_dir: Path, task_name: str = "train") -> Path:
    runs = sorted((log_dir / task_name / "runs").iterdir())
    assert len(runs) == 1, f"expected one run dir, found {runs}"
    return runs[0]


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def require(module: str) -> Any:
    """Imports a package the tests need: without it the test is skipped, but under CI (CI=true,
    where `make test` installs every dependency) it fails, so a missing package is never hidden."""
    if os.environ.get("CI", "").lower() == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def copied_run(checkpoint: Path, log_dir: Path) -> Path:
    """The run that holds `checkpoint`, copied into `log_dir` as a run of the task `train`."""
    run = checkpoint.parent.parent
    copy = log_dir / "train" / "runs" / run.name
    shutil.copytree(run, copy)
    return copy
