"""Every job of a sweep is checked before the first one runs, and `validate=true` checks without
training. In-process: the multirun config is composed as Hydra composes it and handed to the
callback as Hydra hands it; one test runs the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from plugboard.core.config.preflight import CheckBeforeRunning
from plugboard.core.paths import CONFIG_DIR


def start(overrides: list[str], log_dir: Path, mode: RunMode = RunMode.MULTIRUN) -> SystemExit | None:
    """Composes `python train.py [-m] <overrides>` and runs the callback's start hook as Hydra would."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = GlobalHydra.instance().hydra.compose_config(
            "train", [*overrides, f"paths.log_dir={log_dir}"], run_mode=mode, with_log_configuration=False
        )
        hook = (
            CheckBeforeRunning().on_multirun_start
            if mode == RunMode.MULTIRUN
            else CheckBeforeRunning().on_run_start
        )
        try:
            hook(config=config, config_name="train")
        except SystemExit as stopped:
            return stopped
    return None


def test_a_grid_with_a_bad_value_stops_before_any_job_and_names_the_bad_jobs(tmp_path: Path, capsys):
    stopped = start(["model.optimizer.lr=0.001,-1", "seed=1,2"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 1
    message = capsys.readouterr().err
    # Hydra numbers the jobs of this grid lr-major: #2 and #3 have lr=-1.
    assert "2 of the 4 jobs of this sweep have bad values" in message
    assert "`#2 model.optimizer.lr=-1 seed=1`, `#3 model.optimizer.lr=-1 seed=2`" in message
    assert "model.optimizer.lr=-1 must be a float > 0, set by the command line" in message
    assert "#0" not in message and "#1" not in message
    assert not (tmp_path / "logs").exists()  # composing for the check made no folder


def test_a_bad_value_swept_by_a_preset_names_the_sweep_params(tmp_path: Path, capsys):
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "lr_sweep.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n      model.optimizer.lr: 0.001,0\n"
    )
    stopped = start([f"hydra.searchpath=[file://{tmp_path}]", "experiment=lr_sweep"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 1
    message = capsys.readouterr().err
    assert "`#1 model.optimizer.lr=0`" in message
    assert "must be a float > 0, set by hydra.sweeper.params (model.optimizer.lr=0)" in message


def test_a_valid_sweep_with_validate_true_only_says_so(tmp_path: Path, capsys):
    stopped = start(["model/attention=dot,additive", "seed=1,2,3", "validate=true"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 0
    assert capsys.readouterr().out.strip().endswith("6 jobs valid")
    assert not (tmp_path / "logs").exists()


def test_a_valid_sweep_without_validate_goes_on(tmp_path: Path):
    assert start(["seed=1,2"], tmp_path / "logs") is None


def test_a_job_that_does_not_compose_is_named(tmp_path: Path, capsys):
    stopped = start(["model/attention=dot,addtive"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 1
    message = capsys.readouterr().err
    assert "`#1 model/attention=addtive`" in message and "Could not find 'model/attention/addtive'" in message


def test_a_search_checks_every_choice_and_both_ends_of_every_interval(tmp_path: Path, capsys):
    pytest.importorskip("hydra_plugins.plugboard_optuna_sweeper")
    search = ["hparams_search=attention_optuna", "model.encoder.dropout=interval(0.0, 1.5)"]
    stopped = start([*search, "model.encoder.hidden_size=choice(64, 0)"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 1
    message = capsys.readouterr().err
    assert "This search would try bad values, so no trial was started" in message
    assert "model.encoder.dropout=1.5 must be a float in [0, 1), set by the command line" in message
    assert "model.encoder.hidden_size=0 must be an integer >= 1" in message
    # The preset copies the encoder's dropout to the decoder: named with the file that does it.
    assert "model.decoder.dropout=1.5 (as ${model.encoder.dropout})" in message
    assert "hparams_search=attention_optuna (hparams_search/attention_optuna.yaml)" in message
    assert "dropout=0.0 " not in message and not (tmp_path / "logs").exists()


def test_a_search_preset_for_every_family_is_checked_without_the_keys_a_model_lacks(tmp_path: Path, capsys):
    """hparams_search=optuna names model.dropout, which seq2seq has not: left out, not refused."""
    pytest.importorskip("hydra_plugins.plugboard_optuna_sweeper")
    stopped = start(["hparams_search=optuna", "validate=true"], tmp_path / "logs")
    assert stopped is not None and stopped.code == 0, capsys.readouterr().err
    valid = "candidate jobs (every choice and both ends of every interval) valid"
    assert capsys.readouterr().out.strip().endswith(valid)


def test_validate_true_checks_a_single_run_without_running_it(tmp_path: Path, capsys):
    stopped = start(["validate=true"], tmp_path / "logs", RunMode.RUN)
    assert stopped is not None and stopped.code == 0
    assert capsys.readouterr().out.strip() == "1 job valid"
    stopped = start(["validate=true", "data.batch_size=0"], tmp_path / "logs", RunMode.RUN)
    assert stopped is not None and stopped.code == 1
    assert "data.batch_size=0 must be an integer >= 1" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


# Through train.py itself (exit 1, one paragraph, nothing written): tests/entry_points/test_bad_input.py.


def test_jobs_are_composed_as_hydra_composes_them(tmp_path: Path):
    """The check composes the files once per choice of options and applies `key=value` overrides on a
    copy; the result must be the config Hydra gives the job."""
    from omegaconf import OmegaConf

    from plugboard.core.config.preflight import JobComposer

    options = ["model/attention=additive", "logger=[csv,tensorboard]"]  # a list of options too
    job = [*options, "seed=2", "model.optimizer.lr=0.01", "+extras.note=hello"]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        hydra = GlobalHydra.instance().hydra
        config = hydra.compose_config(
            "train", ["seed=1,2", f"paths.log_dir={tmp_path}"], RunMode.MULTIRUN, with_log_configuration=False
        )
        compose = JobComposer(config)
        compose([*options, "seed=1"])  # the same options: composed once, then copied
        ours, hydras = compose(job), hydra.config_loader.load_sweep_config(config, job)
    mine, theirs = (OmegaConf.to_container(composed, resolve=False) for composed in (ours, hydras))
    del mine["hydra"], theirs["hydra"]  # Hydra's bookkeeping (the overrides it was given)
    assert mine == theirs
    assert len(compose.composed) == 1
