"""The SLURM path against a real scheduler: a one-node SLURM on this machine
(scripts/local_slurm.sh: munge, slurmctld and slurmd on localhost), a sweep submitted through
`launcher=slurm` (submitit) as a job array, each job to its own run dir, compared afterwards.

Needs root (slurmd runs jobs as their user) and slurm-wlm and munge, which the script installs with
apt where missing: skipped with the reason elsewhere, except under CI (CI=true), where a cluster
that does not start is a failure."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PROJECT_ROOT, read_json, run_entry_point, run_script

SCRIPT = PROJECT_ROOT / "scripts" / "local_slurm.sh"
TINY_JOB = ["hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10"]


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment under which sbatch, squeue and submitit reach the local cluster."""
    if os.geteuid() != 0:
        pytest.skip("a local SLURM needs root: slurmd runs each job as its user")
    folder = tmp_path_factory.mktemp("slurm")
    environment = {**os.environ, "PLUGBOARD_SLURM_DIR": str(folder)}
    started = subprocess.run(["bash", str(SCRIPT), "start"], env=environment, capture_output=True, text=True)
    if started.returncode != 0:
        reason = f"the local SLURM did not start: {started.stderr.strip()[-500:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield {"PLUGBOARD_SLURM_DIR": str(folder), "SLURM_CONF": str(folder / "slurm.conf")}
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=environment, capture_output=True)


@pytest.mark.slow
def test_a_sweep_runs_as_a_slurm_job_array_each_job_in_its_own_run_dir(slurm: dict[str, str], tmp_path: Path):
    result = run_entry_point(
        "train.py",
        ["-m", "launcher=slurm", "debug=fdr", "seed=1,2", *TINY_JOB],
        tmp_path,
        timeout=600,
        **slurm,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    (sweep,) = (tmp_path / "debug" / "multiruns").iterdir()
    jobs = sorted(path for path in sweep.iterdir() if path.is_dir() and not path.name.startswith("."))
    assert [job.name for job in jobs] == ["0", "1"]
    records = [read_json(job / "metrics.json") for job in jobs]
    assert [record["status"] for record in records] == ["done", "done"]
    assert [[o for o in record["overrides"] if o.startswith("seed=")] for record in records] == [
        ["seed=1"],
        ["seed=2"],
    ]
    # Each job ran as a task of one SLURM array, under the scheduler's own variables.
    tasks = sorted(
        folder.name for folder in (sweep / ".submitit").iterdir() if folder.is_dir() and "_" in folder.name
    )
    assert len(tasks) == 2 and len({task.split("_")[0] for task in tasks}) == 1, tasks  # <array>_<task>
    # submitit's warning that the cluster keeps no accounting is said once, not at every poll.
    assert output.count("this warning is shown once") <= 3  # one record, printed by up to 3 handlers
    assert output.count("Call #2 - Bypassing sacct error") == 0
    compared = run_script("compare.py", [str(sweep), "--no-plot"])
    assert compared.returncode == 0 and "2 done" in compared.stdout, compared.stderr[-2000:]
