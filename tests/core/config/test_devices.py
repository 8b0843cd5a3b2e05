"""Devices and non-finite numbers are found with the rest of the config, before anything is built:
`trainer.devices=0`, more GPUs than the machine has, GPU indices for CPU processes, `lr=inf`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from plugboard.core.config import devices
from plugboard.core.config.preflight import check_job
from plugboard.core.paths import CONFIG_DIR


def problems_of(overrides: list[str], tmp_path: Path, on_this_machine: bool = True) -> list[str]:
    """The problems `python train.py <overrides> validate=true` lists, as sentences."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", [*overrides, f"paths.log_dir={tmp_path}"], return_hydra_config=True)
        return check_job(config, "train", list(config.hydra.overrides.task), on_this_machine=on_this_machine)


@pytest.fixture
def gpus(monkeypatch: pytest.MonkeyPatch):
    """Sets how many GPUs torch sees here."""

    def set_count(count: int) -> None:
        monkeypatch.setattr(devices, "gpu_count", lambda: count)

    return set_count


@pytest.mark.parametrize("value", ["0", "-3", "[]", "[0,0]", "'x'", "'0'"])
def test_a_device_count_lightning_cannot_use_is_refused_on_any_machine(value: str, tmp_path: Path):
    problems = problems_of([f"trainer.devices={value}"], tmp_path, on_this_machine=False)
    assert len(problems) == 1, problems
    assert problems[0].startswith("trainer.devices=") and "must be a count >= 1" in problems[0]
    assert "set by the command line" in problems[0]


@pytest.mark.parametrize("value", ["1", "2", "-1", "auto", "[0,1]", "'0,1'", "'2'"])
def test_device_values_lightning_takes_pass_where_the_machine_is_not_judged(value: str, tmp_path: Path):
    assert problems_of([f"trainer.devices={value}"], tmp_path, on_this_machine=False) == []


def test_a_gpu_asked_of_a_machine_without_one_is_refused(tmp_path: Path, gpus):
    gpus(0)
    [problem] = problems_of(["trainer=gpu"], tmp_path)
    assert problem.startswith("trainer.accelerator='gpu' asks for a GPU, but torch sees none on this machine")
    assert "trainer=cpu" in problem


def test_more_gpus_than_the_machine_has_are_refused(tmp_path: Path, gpus):
    gpus(2)
    assert problems_of(["trainer=gpu", "trainer.devices=2"], tmp_path) == []
    assert problems_of(["trainer=gpu", "trainer.devices=-1"], tmp_path) == []
    [problem] = problems_of(["trainer=gpu", "trainer.devices=3"], tmp_path)
    assert "trainer.devices=3 asks for 3 GPUs, but this machine has 2 GPUs (indices 0 to 1)" in problem
    [problem] = problems_of(["trainer=gpu", "trainer.devices=[1,2]"], tmp_path)
    assert "names GPU 2, but this machine has 2 GPUs" in problem
    # `auto` takes the GPUs when there are some, so the same count is judged against them.
    [problem] = problems_of(["trainer.accelerator=auto", "trainer.devices=4"], tmp_path)
    assert "asks for 4 GPUs" in problem


def test_gpu_indices_for_cpu_processes_are_refused(tmp_path: Path, gpus):
    gpus(0)
    for overrides in (["trainer.devices=[0,1]"], ["trainer=cpu", "trainer.devices=-1"]):
        [problem] = problems_of(overrides, tmp_path)
        assert "names GPUs, but the job runs on the CPU" in problem


def test_more_cpu_processes_than_cores_run_with_a_warning(tmp_path: Path, gpus, caplog):
    gpus(0)
    many = devices.usable_cores() + 1
    with caplog.at_level(logging.WARNING):
        assert problems_of(["trainer=cpu", f"trainer.devices={many}"], tmp_path) == []
    assert any(f"trainer.devices={many} CPU processes" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("launcher", "here"),
    [("BasicLauncher", True), ("JoblibLauncher", True), ("SlurmLauncher", False), ("RayLauncher", False)],
)
def test_a_sweep_judges_the_machine_only_when_its_jobs_run_here(launcher: str, here: bool):
    config = OmegaConf.create({"hydra": {"launcher": {"_target_": f"hydra_plugins.some_module.{launcher}"}}})
    assert devices.runs_jobs_here(config) is here


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_non_finite_numbers_are_refused_where_floats_are_expected(value: str, tmp_path: Path):
    problems = problems_of([f"model.optimizer.lr={value}", f"trainer.gradient_clip_val={value}"], tmp_path)
    assert [problem.split(" must be ")[0] for problem in problems] == [
        f"model.optimizer.lr={value}",
        f"trainer.gradient_clip_val={value}",
    ]
    assert all("finite float" in problem for problem in problems), problems
    assert problems_of(["model.optimizer.lr=1e-3", "trainer.gradient_clip_val=0.5"], tmp_path) == []


def check_before_running(
    overrides: list[str], tmp_path: Path, multirun: bool, capsys
) -> tuple[int, str, str]:
    """What the pre-flight of `python train.py [-m] <overrides>` does: its exit status and output."""
    from plugboard.core.config.preflight import CheckBeforeRunning

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", [*overrides, f"paths.log_dir={tmp_path}"], return_hydra_config=True)
        hook = CheckBeforeRunning().on_multirun_start if multirun else CheckBeforeRunning().on_run_start
        with pytest.raises(SystemExit) as stopped:
            hook(config, "train")
    out, err = capsys.readouterr()
    return stopped.value.code, out, err


@pytest.mark.parametrize("multirun", [False, True])
def test_validate_notes_what_this_machine_lacks_without_refusing_the_config(
    tmp_path: Path, gpus, capsys, multirun
):
    """A GPU job checked on a machine without one (a login node before `srun`) is valid, with a note."""
    gpus(0)
    code, out, err = check_before_running(["trainer=gpu", "validate=true"], tmp_path, multirun, capsys)
    assert code == 0, err
    assert "1 job" in out and "valid" in out
    assert "Note: on this machine it would stop: trainer.accelerator='gpu' asks for a GPU" in err
    # A bad value stays an error under validate=true, and then no note is printed.
    code, out, err = check_before_running(
        ["trainer=gpu", "trainer.devices=0", "validate=true"], tmp_path, multirun, capsys
    )
    assert code == 1 and "trainer.devices=0 must be a count >= 1" in err and "Note:" not in err


def test_a_local_sweep_without_validate_is_still_refused_what_this_machine_lacks(
    tmp_path: Path, gpus, capsys
):
    gpus(0)
    code, _, err = check_before_running(["trainer=gpu"], tmp_path, multirun=True, capsys=capsys)
    assert code == 1 and "asks for a GPU, but torch sees none on this machine" in err
