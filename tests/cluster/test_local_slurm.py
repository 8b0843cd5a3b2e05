"""The SLURM path against a real scheduler: a one-node SLURM on this machine
(scripts/local_slurm.sh: munge, slurmctld and slurmd on localhost).

- A sweep through `launcher=slurm` (submitit) runs as a job array, each job in its own run dir,
  compared afterwards; a job of it that fails is recorded, the others finish, and the sweep says
  which failed when it ends.
- Single runs through sbatch: DDP over two tasks that srun starts (scripts/slurm_ddp_cpu.sbatch, as
  a user submits it), and a job that SLURM requeues in the middle of its training, which goes on
  from its checkpoint in its own run dir.
- Search workers on one Optuna study as a job array (scripts/slurm_search_workers.sbatch).

Needs root (slurmd runs jobs as their user) and slurm-wlm and munge, which the script installs with
apt where missing: skipped with the reason elsewhere, except under CI (CI=true), where a cluster
that does not start is a failure. One module, so that one cluster serves every test (pytest-xdist
gives a module to one worker)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from helpers import PROJECT_ROOT, TINY, read_json, run_entry_point, run_script, single_run_dir
from slurm_jobs import (
    ENDED,
    job_environment,
    job_fields,
    sbatch,
    wait_for_files,
    wait_for_state,
    wait_until_gone,
)

from plugboard.core.job.run_dir import LAUNCHES_DIR

SCRIPT = PROJECT_ROOT / "scripts" / "local_slurm.sh"
TINY_JOB = ["hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10"]
DDP_SCRIPT = PROJECT_ROOT / "scripts" / "slurm_ddp_cpu.sbatch"
WORKERS_SCRIPT = PROJECT_ROOT / "scripts" / "slurm_search_workers.sbatch"
# One task, requeued by SLURM when it is preempted (or told to: `scontrol requeue`).
ONE_TASK_SCRIPT = """#!/bin/bash
#SBATCH --job-name=train
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --requeue
srun python train.py "$@"
"""


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
    assert "The sweep ended: 2 done." in output
    compared = run_script("compare.py", [str(sweep), "--no-plot"])
    assert compared.returncode == 0 and "2 done" in compared.stdout, compared.stderr[-2000:]


@pytest.mark.slow
def test_a_failed_array_task_is_recorded_the_others_finish_and_the_sweep_says_which(
    slurm: dict[str, str], tmp_path: Path
):
    # max_length=1 with 2 symbols leaves too few distinct inputs to draw unseen validation
    # examples from: a valid config (the sweep's check passes) that fails once its job runs.
    task = ["data.task.num_symbols=2", "data.task.max_length=25,1"]
    result = run_entry_point(
        "train.py", ["-m", "launcher=slurm", "debug=fdr", *task, *TINY_JOB], tmp_path, timeout=600, **slurm
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]  # a failed job does not stop the sweep, as locally
    (sweep,) = (tmp_path / "debug" / "multiruns").iterdir()
    done, failed = read_json(sweep / "0" / "metrics.json"), read_json(sweep / "1" / "metrics.json")
    assert done["status"] == "done"
    assert failed["status"] == "failed"
    assert failed["error"].startswith("Could not draw 200 'val' examples") and "\n" not in failed["error"]
    # The job logged its failure on its node; the terminal that started the sweep hears it at the end.
    assert "The sweep ended: 1 done, 1 failed." in output
    assert "job 1 failed: Could not draw 200 'val' examples" in output
    compared = run_script("compare.py", [str(sweep), "--no-plot"])
    assert compared.returncode == 0 and "Could not draw" in compared.stdout, compared.stderr[-2000:]


@pytest.mark.slow
def test_ddp_over_two_srun_tasks_writes_one_run_dir_and_both_ranks_end_with_the_same_weights(
    slurm: dict[str, str], tmp_path: Path
):
    environment, probe, output = job_environment(slurm), tmp_path / "weights", tmp_path / "slurm.out"
    overrides = ["debug=fdr", "extras.print_config=false", f"paths.log_dir={tmp_path}"]
    overrides += ["+callbacks.probe._target_=ddp_probe.SaveWeightsPerRank"]
    overrides += [f"+callbacks.probe.folder={probe}"]
    job = sbatch(DDP_SCRIPT, overrides, output, environment)
    state = wait_for_state(job, ENDED, environment, timeout=300)
    log = output.read_text()
    assert state == "COMPLETED", log[-4000:]
    assert job_fields(job, environment)["NumTasks"] == "2"
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in log

    run_dir = single_run_dir(tmp_path, "debug")  # one run dir for both tasks
    assert [path.name for path in tmp_path.rglob("metrics.json")] == ["metrics.json"]
    assert read_json(run_dir / "metrics.json")["status"] == "done"
    assert (run_dir / "train_rank1.log").is_file() and (run_dir / ".hydra").is_dir()
    # The two tasks agreed on the dir through a record named after the SLURM job and step.
    assert [path.name for path in (tmp_path / "debug" / LAUNCHES_DIR).iterdir()] == [f"slurm-{job}-0.json"]
    weights = [torch.load(probe / f"weights_rank{rank}.pt") for rank in (0, 1)]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name


@pytest.mark.slow
def test_search_workers_as_a_job_array_share_one_study(slurm: dict[str, str], tmp_path: Path):
    optuna = pytest.importorskip("optuna")
    environment, output = job_environment(slurm), tmp_path / "slurm.out"
    overrides = ["hparams_search=attention_optuna", "hydra.sweeper.n_trials=4", "debug=fdr", *TINY]
    array = ("--array=0-1", "--cpus-per-task=1")  # both tasks at once on the one small node
    job = sbatch(WORKERS_SCRIPT, [*overrides, f"paths.log_dir={tmp_path}"], output, environment, array)
    assert wait_until_gone(job, environment, timeout=400), output.read_text()[-4000:]

    journal = tmp_path / "debug" / "studies" / "attention_optuna.log"
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    trials = optuna.load_study(study_name="attention_optuna", storage=storage).trials
    assert sum(trial.state.name == "COMPLETE" for trial in trials) == 4, output.read_text()[-4000:]
    sweeps = sorted((tmp_path / "debug" / "multiruns").iterdir())
    assert [sweep.name.endswith("_worker1") for sweep in sweeps] == [False, True]  # one per array task
    jobs = sorted(int(job.name) for sweep in sweeps for job in sweep.iterdir() if job.is_dir())
    assert jobs == sorted(trial.number for trial in trials if trial.state.name == "COMPLETE")


@pytest.mark.slow
def test_a_job_requeued_mid_training_goes_on_from_its_checkpoint_in_its_own_run_dir(
    slurm: dict[str, str], tmp_path: Path
):
    environment, output = job_environment(slurm), tmp_path / "slurm.out"
    script = tmp_path / "train.sbatch"
    script.write_text(ONE_TASK_SCRIPT)
    # 4 epochs of 6 steps, each step at least 0.5 s: long enough to be requeued in the middle.
    overrides = [*TINY, "trainer.max_epochs=4", "callbacks.early_stopping.patience=100"]
    overrides += ["+callbacks.slow._target_=slow_steps.SlowSteps", "+callbacks.slow.seconds=0.5"]
    job = sbatch(script, [*overrides, f"paths.log_dir={tmp_path}"], output, environment)

    # last.ckpt first appears at the end of epoch 0; a second later epoch 1 is under way.
    first_epoch = wait_for_files(tmp_path, "train/runs/*/checkpoints/last.ckpt", timeout=180)
    assert first_epoch, output.read_text()[-4000:]
    time.sleep(1)
    subprocess.run(["scontrol", "requeue", job], env=environment, check=True)
    # A requeued job becomes eligible again only after the credential lifetime (2 minutes by
    # default); on a real cluster it waits for that and its place in the queue. Here: now.
    pending = wait_for_state(job, ("PENDING",), environment, timeout=120)
    assert pending == "PENDING", output.read_text()[-4000:]
    subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], env=environment, check=True)
    state = wait_for_state(job, ENDED, environment, timeout=300)
    log = output.read_text()
    assert state == "COMPLETED", log[-4000:]
    assert job_fields(job, environment)["Restarts"] == "1"

    run_dir = single_run_dir(tmp_path)  # the requeued job went on in its own run dir
    assert f"ran before (requeued or restarted): going on in {run_dir}" in log
    assert read_json(run_dir / "metrics.json")["status"] == "done"
    train_log = (run_dir / "train.log").read_text()
    assert "SIGTERM received at step" in train_log  # the first start saved last.ckpt as it stopped
    assert f"Restoring states from the checkpoint path at {run_dir}/checkpoints/last.ckpt" in train_log
    # and the second went on from it to the end: 4 epochs of 6 steps, none run twice or left out.
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    assert (last["epoch"], last["global_step"]) == (3, 24)
