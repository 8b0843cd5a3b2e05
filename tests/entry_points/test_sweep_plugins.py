"""Sweeps through Hydra's plugins: the Optuna sweeper and the joblib, SLURM and Ray launchers.

Each test skips when its plugin is not installed (`pip install -e ".[sweep]"`, `.[slurm]`, `.[ray]`),
except with CI=true, where CI installs every extra (`make env-ray` adds Ray's) and a missing one
fails. The Optuna sweeper's runs are in test_optuna_sweeper.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import TINY, read_json, require, run_entry_point, run_script
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from plugboard.core.paths import CONFIG_DIR

# option -> (plugin package, launcher class, settings the option must set)
LAUNCHERS = {
    "joblib": (
        "hydra_joblib_launcher",
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
        {"n_jobs": 2, "prefer": "processes"},
    ),
    "slurm": (
        "hydra_submitit_launcher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
        {"timeout_min": 120, "tasks_per_node": 1, "gpus_per_node": 1, "array_parallelism": 16},
    ),
    "ray": (
        "hydra_ray_launcher",
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
        {"ray.init.address": None, "ray.remote.num_cpus": 1},
    ),
}
# What a launcher logs as it starts the two jobs of a sweep (the ones run for real below).
LAUNCH_LINES = {"joblib": "Joblib.Parallel(n_jobs=2", "ray": "Ray Launcher is launching 2 jobs"}
OPTUNA_SWEEPER = "hydra_plugins.plugboard_optuna_sweeper.sweeper.PlugboardOptunaSweeper"


def group_override(group: str, option: str) -> str:
    """`group=option`; `+group=option` while configs/train.yaml does not list the group in its defaults."""
    defaults = OmegaConf.load(CONFIG_DIR / "train.yaml").defaults
    listed = any(isinstance(entry, DictConfig) and group in entry for entry in defaults)
    return f"{group}={option}" if listed else f"+{group}={option}"


def compose_with_hydra(overrides: list[str]) -> DictConfig:
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=overrides, return_hydra_config=True)


def assert_succeeded(result) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


def single_sweep_dir(log_dir: Path) -> Path:
    sweeps = sorted(log_dir.glob("*/multiruns/*"))
    assert len(sweeps) == 1, f"expected one sweep dir, found {sweeps}"
    return sweeps[0]


def test_every_launcher_option_is_tested():
    assert sorted(path.stem for path in (CONFIG_DIR / "launcher").glob("*.yaml")) == sorted(LAUNCHERS)


@pytest.mark.parametrize("option", sorted(LAUNCHERS))
def test_launcher_option_composes(option: str):
    plugin, target, settings = LAUNCHERS[option]
    require_plugin(plugin)
    cfg = compose_with_hydra([group_override("launcher", option)])
    assert cfg.hydra.launcher._target_ == target
    for key, expected in settings.items():
        assert OmegaConf.select(cfg.hydra.launcher, key) == expected, key


def require_plugin(plugin: str) -> None:
    """Skips without the plugin, except in CI, which installs every extra (Ray's with `make env-ray`)."""
    require(f"hydra_plugins.{plugin}")


def test_optuna_search_composes_with_a_real_search_space():
    require("optuna")
    from hydra_plugins.plugboard_optuna_sweeper._search_space import search_space

    cfg = compose_with_hydra([group_override("hparams_search", "attention_optuna")])
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_ == OPTUNA_SWEEPER
    # The direction follows the model's monitored metric (exact match: higher is better).
    assert cfg.monitor.mode == "max" and sweeper.direction == "maximize"
    assert sweeper.sampler._target_ == "optuna.samplers.TPESampler"
    assert sweeper.sampler.seed is not None
    assert sweeper.pruner._target_ == "optuna.pruners.MedianPruner"
    assert cfg.callbacks.optuna_pruning.monitor == cfg.monitor.metric
    assert cfg.optimized_metric == f"{cfg.monitor.metric}_best"
    # The journal lives beside the task's sweeps, not inside a timestamped one.
    assert sweeper.storage.endswith(f"/{cfg.task_name}/studies/{sweeper.study_name}.log")

    # Seq2seq has no model-wide dropout: the preset takes that key of the search it extends out.
    assert sweeper.params["model.dropout"] is None
    params = {name: expression for name, expression in sweeper.params.items() if expression is not None}
    space = search_space([f"{name}={expression}" for name, expression in params.items()])
    assert set(space.distributions) == set(params)
    for name, distribution in space.distributions.items():
        if "/" in name:  # a config group: every choice is one of its options
            for option in distribution.choices:
                assert (CONFIG_DIR / name / f"{option}.yaml").is_file(), f"{name}={option}"
        else:  # a value: the key exists in the composed config
            assert OmegaConf.select(cfg, name) is not None, name
    assert sweeper.params["model.optimizer.lr"].startswith("tag(log")


def test_optuna_search_and_joblib_launcher_compose_together():
    require("optuna")
    require_plugin("hydra_joblib_launcher")
    cfg = compose_with_hydra(
        [group_override("hparams_search", "attention_optuna"), group_override("launcher", "joblib")]
    )
    assert cfg.hydra.sweeper._target_ == OPTUNA_SWEEPER
    assert cfg.hydra.launcher._target_ == LAUNCHERS["joblib"][1]


# 35-50 s each on 2 cores: every worker process imports torch and Lightning anew.
@pytest.mark.slow
@pytest.mark.parametrize("option", sorted(LAUNCH_LINES))
def test_launcher_runs_two_jobs_in_parallel(tmp_path: Path, option: str):
    require_plugin(LAUNCHERS[option][0])
    overrides = ["-m", group_override("launcher", option), "model/attention=dot,none", "debug=fdr", *TINY]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(result)
    assert LAUNCH_LINES[option] in result.stdout + result.stderr

    sweep_dir = single_sweep_dir(tmp_path)
    attention_by_job = {}
    for job in ("0", "1"):
        assert read_json(sweep_dir / job / "metrics.json")["status"] == "done", job
        job_overrides = OmegaConf.load(sweep_dir / job / ".hydra" / "overrides.yaml")
        attention_by_job[job] = next(o for o in job_overrides if o.startswith("model/attention="))
    assert sorted(attention_by_job.values()) == ["model/attention=dot", "model/attention=none"]


# About 40 s on 2 cores: a Ray head started as a user starts one, then a sweep sent to it.
@pytest.mark.slow
def test_a_sweep_runs_on_a_running_ray_cluster(tmp_path: Path):
    """`ray start --head` on this machine, as on a cluster's head node; the sweep joins it
    (`hydra.launcher.ray.init.address=auto`), its two jobs run there, and `ray stop` ends it."""
    require_plugin("hydra_ray_launcher")
    ray = Path(sys.executable).with_name("ray")
    port = free_port()
    environment = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    # Ray's socket paths must stay under 108 bytes: a short folder of its own, not pytest's.
    sessions = tempfile.mkdtemp(prefix="ray-")
    head = ["--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={sessions}"]
    started = subprocess.run([str(ray), "start", *head], env=environment, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        overrides = [
            "-m",
            "launcher=ray",
            "hydra.launcher.ray.init.address=auto",  # the running cluster of this machine
            "seed=1,2",
            "debug=fdr",
            *TINY,
        ]
        result = run_entry_point(
            "train.py", overrides, tmp_path / "logs", timeout=600, RAY_USAGE_STATS_ENABLED="0"
        )
        assert_succeeded(result)
        output = result.stdout + result.stderr
        assert "Ray Launcher is launching 2 jobs" in output
        assert "Connecting to existing Ray cluster at address: " in output and f":{port}..." in output
    finally:
        subprocess.run([str(ray), "stop", "--force"], env=environment, capture_output=True)
        shutil.rmtree(sessions, ignore_errors=True)
    sweep_dir = single_sweep_dir(tmp_path / "logs")
    assert [read_json(sweep_dir / job / "metrics.json")["status"] for job in ("0", "1")] == ["done", "done"]
    comparison = run_script("compare.py", [str(sweep_dir)])
    assert_succeeded(comparison)
    assert "2 done, 0 pruned, 0 failed" in comparison.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sbatch_script(overrides: list[str], folder: Path) -> str:
    """The batch script `launcher=slurm` submits for these overrides, built as the plugin builds it."""
    import submitit
    from hydra.utils import instantiate
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    params = dict(
        instantiate(
            compose_with_hydra([group_override("launcher", "slurm"), *overrides]).hydra.launcher
        ).params
    )
    params.pop("submitit_folder"), params.pop("max_num_timeout")
    common = set(OmegaConf.structured(BaseQueueConf).keys())
    executor = submitit.AutoExecutor(cluster="slurm", folder=folder)
    executor.update_parameters(
        **{key if key in common else f"slurm_{key}": value for key, value in params.items()}
    )
    return executor._executor._make_submission_file_text("python -m submitit.core._submit", "job")


def test_slurm_launcher_reserves_what_the_trainer_asks_for_and_requeues_through_lightning(
    tmp_path, monkeypatch
):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    fake_srun = tmp_path / "bin" / "srun"  # submitit looks for srun before it writes a script
    fake_srun.parent.mkdir()
    fake_srun.write_text("#!/bin/sh\n")
    fake_srun.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_srun.parent}{os.pathsep}{os.environ['PATH']}")

    script = sbatch_script(["trainer=ddp", "trainer.devices=8", "trainer.num_nodes=2"], tmp_path)
    for flag in ("--nodes=2", "--ntasks-per-node=8", "--gpus-per-node=8", "--time=120", "--requeue"):
        assert f"#SBATCH {flag}\n" in script, flag
    # SIGUSR1 is what Lightning's SLURMEnvironment(auto_requeue=True) saves and requeues on.
    assert "#SBATCH --signal=USR1@120\n" in script
    cpu_script = sbatch_script(["trainer=ddp_cpu"], tmp_path)
    assert "--ntasks-per-node=2\n" in cpu_script and "--gpus-per-node" not in cpu_script


def test_slurm_launcher_refuses_a_device_count_it_cannot_map():
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    cfg = compose_with_hydra([group_override("launcher", "slurm"), "trainer=ddp", "trainer.devices=-1"])
    with pytest.raises(Exception, match="needs the number of devices per node, e.g. trainer.devices=4"):
        OmegaConf.to_container(cfg.hydra.launcher, resolve=True)


# 60-130 s on 2 shared cores: each job is a fresh process that imports torch and Lightning.
@pytest.mark.slow
def test_a_sweep_through_submitit_runs_its_jobs_and_compare_reads_it(tmp_path: Path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    overrides = ["-m", "hydra/launcher=submitit_local", "seed=1,2", "debug=limit", *TINY]
    assert_succeeded(run_entry_point("train.py", overrides, tmp_path, timeout=900))

    sweep_dir = single_sweep_dir(tmp_path)
    for job in ("0", "1"):
        assert read_json(sweep_dir / job / "metrics.json")["status"] == "done", job
    assert list((sweep_dir / ".submitit").iterdir())  # the jobs ran through submitit
    comparison = run_script("compare.py", [str(sweep_dir)])
    assert_succeeded(comparison)
    assert "2 done, 0 pruned, 0 failed" in comparison.stdout and (sweep_dir / "leaderboard.md").is_file()
