"""One run dir per job, whatever starts its processes: Lightning's DDP launcher under a sweep,
torchrun on two simulated nodes, and an `srun`-style start (the SLURM_* variables Lightning
reads), all on this machine's CPU with the gloo backend.

45-100 s each on 2 cores (every process imports torch and Lightning); the dir logic itself has
fast tests in test_run_dirs.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import TINY, read_json, run_entry_point, single_run_dir

from plugboard.core.job.run_dir import LAUNCHES_DIR
from plugboard.core.paths import PROJECT_ROOT

SHORT = [*TINY, "data.train_size=32", "data.batch_size=8", "trainer.max_epochs=1"]
TWO_NODES = ["trainer=ddp_cpu", "trainer.devices=1", "trainer.num_nodes=2"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_succeeded(result) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


@pytest.mark.slow
def test_a_ddp_sweep_with_the_default_sweep_dir_runs_each_job_once_in_one_multirun_dir(tmp_path: Path):
    result = run_entry_point("train.py", ["-m", "trainer=ddp_cpu", "seed=1,2", *SHORT], tmp_path, timeout=900)
    assert_succeeded(result)

    sweeps = list(tmp_path.glob("*/multiruns/*"))
    assert len(sweeps) == 1, sweeps
    assert not list(tmp_path.glob("*/runs"))  # no stray run dir either
    for job in ("0", "1"):
        assert read_json(sweeps[0] / job / "metrics.json")["status"] == "done"
        assert (sweeps[0] / job / "train_ddp_process_1.log").is_file()
    output = result.stdout + result.stderr
    # Rank 1 of each job ran that job once (not the whole sweep again).
    assert output.count("[rank: 1] Seed set to 1") == output.count("[rank: 1] Seed set to 2") == 1


def start_node(launcher: str, rank: int, port: int, log_dir: Path, probe: Path) -> subprocess.Popen:
    """One of two processes on simulated nodes, started as torchrun or SLURM's srun would."""
    overrides = [*TWO_NODES, *SHORT, f"paths.log_dir={log_dir}"]
    overrides += [
        "+callbacks.probe._target_=ddp_probe.SaveWeightsPerRank",
        f"+callbacks.probe.folder={probe}",
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "WANDB_MODE": "offline"}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parents[1] / "support"), env.get("PYTHONPATH")])
    )
    if launcher == "torchrun":
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1"]
        command += ["--node-rank", str(rank), "--master-addr", "127.0.0.1", "--master-port", str(port)]
    else:  # what srun sets for task <rank> of `sbatch --nodes 2 --ntasks-per-node 1`
        command = [sys.executable]
        env.update(SLURM_JOB_ID="4242", SLURM_STEP_ID="0", SLURM_JOB_NAME="train", SLURM_NODELIST="127.0.0.1")
        env.update(SLURM_NTASKS="2", SLURM_NTASKS_PER_NODE="1", SLURM_NNODES="2", MASTER_PORT=str(port))
        env.update(SLURM_PROCID=str(rank), SLURM_LOCALID="0", SLURM_NODEID=str(rank))
    return subprocess.Popen(
        [*command, "train.py", *overrides],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["torchrun", "srun"])
def test_two_nodes_write_one_run_dir_and_end_with_the_same_weights(tmp_path: Path, launcher: str):
    port, probe = free_port(), tmp_path / "weights"
    nodes = [start_node(launcher, rank, port, tmp_path, probe) for rank in (0, 1)]
    outputs = [node.communicate(timeout=600)[0] for node in nodes]
    for node, output in zip(nodes, outputs, strict=True):
        assert node.returncode == 0, output[-3000:]
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in outputs[1]

    run_dir = single_run_dir(tmp_path)
    assert [path.name for path in tmp_path.rglob("metrics.json")] == ["metrics.json"]
    assert read_json(run_dir / "metrics.json")["status"] == "done"
    assert (run_dir / "train_rank1.log").is_file() and (run_dir / ".hydra").is_dir()
    # srun's record stays for a requeue; torchrun's, named by address and port only, is removed.
    records = list((tmp_path / "train" / LAUNCHES_DIR).glob("*.json"))
    assert len(records) == (1 if launcher == "srun" else 0), records
    weights = [torch.load(probe / f"weights_rank{rank}.pt") for rank in (0, 1)]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
