"""Run dirs: two runs started in the same second never share one (their checkpoints would clash),
and the processes of one job, however they were started, share one."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from plugboard.core.checkpoints import resume
from plugboard.core.config import resolvers
from plugboard.core.errors import ConfigError
from plugboard.core.job import launch
from plugboard.core.job import run_dir as run_dirs
from plugboard.core.paths import CONFIG_DIR


def claim_in_fresh_process(runs_dir: str, name: str, queue) -> None:
    queue.put(run_dirs.new_run_dir(runs_dir, name))


def test_a_second_process_with_the_same_start_time_gets_its_own_dir(tmp_path: Path):
    runs = tmp_path / "train" / "runs"
    first = run_dirs.new_run_dir(str(runs), "2026-01-01_12-00-00")
    # The same process asks again (Hydra may resolve the run dir twice): same answer.
    assert run_dirs.new_run_dir(str(runs), "2026-01-01_12-00-00") == first
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    others = [
        context.Process(target=claim_in_fresh_process, args=(str(runs), "2026-01-01_12-00-00", queue))
        for _ in range(2)
    ]
    for process in others:
        process.start()
    for process in others:
        process.join(60)
    claimed = {first, queue.get(timeout=5), queue.get(timeout=5)}
    assert claimed == {
        str(runs / name) for name in ("2026-01-01_12-00-00", "2026-01-01_12-00-00_1", "2026-01-01_12-00-00_2")
    }
    assert all(Path(path).is_dir() for path in claimed)


def test_the_newest_run_is_still_found_after_a_suffixed_one(tmp_path: Path):
    runs = tmp_path / "runs"
    for name in ("2026-01-01_12-00-00", "2026-01-01_12-00-00_1", "2026-01-01_11-59-59"):
        (runs / name / "checkpoints").mkdir(parents=True)
        resume.last_checkpoint(runs / name).touch()
    assert run_dirs.newest_resumable_run(runs) == runs / "2026-01-01_12-00-00_1"


# --- One run dir per job, whatever starts the processes (no torch: this runs before the job) ---

TORCHRUN = {"TORCHELASTIC_RUN_ID": "none", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}


def test_composing_a_config_creates_no_folder(tmp_path: Path):
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"paths.log_dir={tmp_path}"], return_hydra_config=True)
    run_dir = Path(cfg.hydra.run.dir)
    assert run_dir.parent == tmp_path / "train" / "runs"
    assert Path(cfg.hydra.sweep.dir).parent == tmp_path / "train" / "multiruns"
    # Every rank and every resumption of a run computes the same wandb id, from the dir.
    assert resolvers.wandb_run_id(str(run_dir)) == resolvers.wandb_run_id(str(run_dir))
    assert list(tmp_path.iterdir()) == []


def test_the_ranks_of_a_torchrun_launch_take_rank_zeros_dir(tmp_path: Path):
    # Each process runs Hydra itself and names its own dir by its own start second.
    runs = tmp_path / "train" / "runs"
    answers: dict[int, Path] = {}
    other = threading.Thread(
        target=lambda: answers.update(
            {1: run_dirs.agreed_run_dir(runs / "12-00-01", None, {**TORCHRUN, "RANK": "1"})}
        )
    )
    other.start()  # rank 1 starts first and waits for rank 0
    answers[0] = run_dirs.agreed_run_dir(runs / "12-00-00", None, {**TORCHRUN, "RANK": "0"})
    other.join(10)
    assert answers[0] == answers[1] == runs / "12-00-00"
    assert [path.name for path in runs.iterdir()] == ["12-00-00"]


def test_a_requeued_slurm_job_goes_on_in_its_own_dir_not_the_newest(tmp_path: Path):
    runs = tmp_path / "train" / "runs"
    job = {"SLURM_JOB_ID": "7", "SLURM_PROCID": "0", "SLURM_STEP_ID": "0", "SLURM_JOB_NAME": "train"}
    first = run_dirs.agreed_run_dir(runs / "09-00-00", None, job)
    newer = run_dirs.agreed_run_dir(runs / "10-00-00", None, {**job, "SLURM_JOB_ID": "8"})
    assert newer != first
    # Requeued: the same job id, started later; rank 1 takes the same dir.
    assert run_dirs.agreed_run_dir(runs / "11-00-00", None, job) == first
    assert run_dirs.agreed_run_dir(runs / "11-00-01", None, {**job, "SLURM_PROCID": "1"}) == first
    assert sorted(path.name for path in runs.iterdir()) == ["09-00-00", "10-00-00"]


def test_a_rank_never_takes_the_dir_of_an_earlier_launch_on_the_same_port(tmp_path: Path, monkeypatch):
    runs = tmp_path / "train" / "runs"
    run_dirs.agreed_run_dir(runs / "09-00-00", None, {**TORCHRUN, "RANK": "0"})
    record = next((tmp_path / "train" / run_dirs.LAUNCHES_DIR).iterdir())
    os.utime(record, (time.time() - 3600, time.time() - 3600))  # written an hour ago
    monkeypatch.setattr(run_dirs, "WAIT_FOR_RANK_ZERO_S", 0.5)
    with pytest.raises(ConfigError, match="rank 0 to name the run dir"):
        run_dirs.agreed_run_dir(runs / "10-00-00", None, {**TORCHRUN, "RANK": "1"})


def test_a_process_started_alone_claims_a_new_dir_or_keeps_the_resumed_one(tmp_path: Path):
    runs = tmp_path / "runs"
    first = run_dirs.agreed_run_dir(runs / "12-00-00", None, {})
    assert run_dirs.agreed_run_dir(runs / "12-00-00_x", None, {}) != first
    resume.last_checkpoint(first).parent.mkdir()
    resume.last_checkpoint(first).touch()
    resumed = run_dirs.run_dir("last", str(runs), "13-00-00")
    assert run_dirs.agreed_run_dir(resumed, "last", {}) == first


def test_a_requeued_job_goes_on_from_its_newest_checkpoint(tmp_path: Path, monkeypatch):
    run = tmp_path / "runs" / "09-00-00"
    resume.last_checkpoint(run).parent.mkdir(parents=True)
    resume.last_checkpoint(run).touch()
    assert resume.checkpoint_to_resume(None, run) is None  # a first start trains from scratch
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")
    assert resume.checkpoint_to_resume(None, run) == str(resume.last_checkpoint(run))
    hpc = run / "hpc_ckpt_1.ckpt"  # what Lightning saves on SIGUSR1, after the last epoch's
    hpc.touch()
    os.utime(hpc, (time.time() + 5, time.time() + 5))
    assert resume.checkpoint_to_resume(None, run) == str(hpc)


def test_ranks_above_zero_log_to_their_own_file_whatever_the_logging_config(tmp_path: Path):
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"paths.log_dir={tmp_path}"], return_hydra_config=True)
        plain = compose("train", overrides=["hydra/job_logging=stdout"], return_hydra_config=True)
    launch.log_file_of_rank(cfg, 1)
    filename = OmegaConf.to_container(cfg.hydra.job_logging.handlers.file, resolve=False)["filename"]
    assert filename.endswith("/${hydra.job.name}_rank1.log")
    launch.log_file_of_rank(plain, 1)  # no file handler: nothing to rename, no error
    assert "file" not in plain.hydra.job_logging.handlers
