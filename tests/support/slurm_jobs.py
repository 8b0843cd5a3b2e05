"""Submitting a batch script to a running SLURM and following its job, as a user at a terminal
would with sbatch and scontrol (the local cluster keeps no accounting, so no sacct)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers import PROJECT_ROOT

ENDED = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED")


def job_environment(slurm: dict[str, str]) -> dict[str, str]:
    """What a job inherits from sbatch (it exports the submitting environment): this Python first on
    PATH, so `srun python` is the one running the tests, and the tests' helpers importable."""
    environment = {**os.environ, **slurm, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"}
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    support = str(Path(__file__).parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [support, environment.get("PYTHONPATH")]))
    return environment


def sbatch(
    script: Path,
    arguments: list[str],
    output: Path,
    environment: dict[str, str],
    options: tuple[str, ...] = (),
) -> str:
    """Submits `script arguments` from the project root (with sbatch `options`, e.g. an array); its
    output goes to `output`. The job id."""
    submitted = subprocess.run(
        [
            "sbatch",
            "--parsable",
            f"--output={output}",
            "--open-mode=append",
            *options,
            str(script),
            *arguments,
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return submitted.stdout.strip().split(";")[0]


def job_fields(job_id: str, environment: dict[str, str]) -> dict[str, str]:
    """`scontrol show job` as a dict (JobState, Restarts, ExitCode, ...)."""
    shown = subprocess.run(
        ["scontrol", "show", "job", "--oneliner", job_id], env=environment, capture_output=True, text=True
    )
    return dict(item.split("=", 1) for item in shown.stdout.split() if "=" in item)


def wait_for_state(job_id: str, states: tuple[str, ...], environment: dict[str, str], timeout: float) -> str:
    """Polls until the job is in one of `states`; its state then (the last one seen on timeout)."""
    deadline, state = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        state = job_fields(job_id, environment).get("JobState", "")
        if state in states:
            return state
        time.sleep(1)
    return state


def wait_until_gone(job_id: str, environment: dict[str, str], timeout: float) -> bool:
    """Polls until no task of the job (an array's too) is pending or running; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["squeue", "--noheader", f"--jobs={job_id}"], env=environment, capture_output=True, text=True
        )
        if listed.returncode == 0 and not listed.stdout.strip():
            return True
        time.sleep(1)
    return False


def wait_for_files(folder: Path, pattern: str, timeout: float) -> list[Path]:
    """The files under `folder` that match `pattern`, once there is one (none on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(folder.glob(pattern)):
        time.sleep(0.5)
    return sorted(folder.glob(pattern))
