"""The Optuna sweeper (hydra_plugins/plugboard_optuna_sweeper) through the real `train.py -m`:
trials pruned by the job's callback and recorded as such, a study continued from its journal,
and the search grammar of the presets.

Needs optuna (the sweep extra, part of dev): skips without it, fails without it when CI=true.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TINY, read_json, require, run_entry_point
from omegaconf import OmegaConf

from plugboard.core.analysis.leaderboard import problem_lines
from plugboard.core.analysis.sweep import load_sweep
from plugboard.core.paths import PROJECT_ROOT

# Two epochs of two batches: enough for a report per epoch, quick to run.
SMALL = [
    *TINY,
    "trainer.max_epochs=2",
    "+trainer.limit_train_batches=2",
    "+trainer.limit_val_batches=1",
    "+trainer.limit_test_batches=1",
    "callbacks.attention_heatmaps=null",
    "callbacks.model_summary=null",
    "callbacks.rich_progress_bar=null",
]
SEARCH = ["-m", "hparams_search=attention_optuna", *SMALL]


def journal(log_dir: Path) -> Path:
    return log_dir / "attention_optuna" / "studies" / "attention_optuna.log"


def stored_trials(log_dir: Path) -> dict[int, dict]:
    """Trial number -> state and parameters, read back from the journal as optuna-dashboard would."""
    optuna = require("optuna")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(journal(log_dir))))
    study = optuna.load_study(study_name="attention_optuna", storage=storage)
    return {trial.number: {"state": trial.state.name, "params": trial.params} for trial in study.trials}


def sweep_dirs(log_dir: Path) -> list[Path]:
    return sorted((log_dir / "attention_optuna" / "multiruns").iterdir())


def assert_succeeded(result) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def test_pruned_trials_are_recorded_and_the_study_continues_from_its_journal(tmp_path: Path):
    require("optuna")
    # A threshold no exact match can reach: every trial is pruned after its first epoch.
    must_prune = ["hydra/sweeper/pruner=threshold", "hydra.sweeper.pruner.lower=2.0"]
    first = run_entry_point("train.py", [*SEARCH, "hydra.sweeper.n_trials=2", *must_prune], tmp_path)
    assert_succeeded(first)
    (first_sweep,) = sweep_dirs(tmp_path)
    for job in ("0", "1"):
        record = read_json(first_sweep / job / "metrics.json")
        assert record["status"] == "pruned", record
        assert "epoch 0" in record["error"] and "val/exact_match" in record["metrics"]
    assert [job.status for job in load_sweep(first_sweep)] == ["pruned", "pruned"]
    assert all(line.startswith("pruned: ") for line in problem_lines(load_sweep(first_sweep)))
    assert {number: trial["state"] for number, trial in stored_trials(tmp_path).items()} == {
        0: "PRUNED",
        1: "PRUNED",
    }

    # The same search with one more trial and no pruning: only trial 2 runs, in a new sweep dir.
    no_pruning = ["hydra.sweeper.n_trials=3", "hydra/sweeper/pruner=nop"]
    second = run_entry_point("train.py", [*SEARCH, *no_pruning], tmp_path)
    assert_succeeded(second)
    second_sweep = sweep_dirs(tmp_path)[1]
    assert sorted(path.name for path in second_sweep.iterdir() if path.is_dir()) == ["2"]
    assert read_json(second_sweep / "2" / "metrics.json")["status"] == "done"
    trials = stored_trials(tmp_path)
    assert [trials[number]["state"] for number in range(3)] == ["PRUNED", "PRUNED", "COMPLETE"]
    # The continued study does not replay the first run's suggestions.
    assert trials[2]["params"] != trials[0]["params"]
    results = OmegaConf.load(second_sweep / "optimization_results.yaml")
    assert results.best_trial == 2
    # The preset's own params and those it extends, less the ones fixed on the command line (SMALL).
    assert set(results.best_params) == {
        "model/attention",
        "model.optimizer.lr",
        "model.optimizer.weight_decay",
        "model.encoder.dropout",
    }
    assert dict(results.trials) == {"complete": 1, "pruned": 2}


@pytest.mark.slow  # the fallback itself: tests/core/test_train.py
def test_preset_under_a_fast_dev_run_optimises_the_last_validation_value(tmp_path: Path):
    require("optuna")
    overrides = ["-m", "hparams_search=attention_optuna", "hydra.sweeper.n_trials=2", "debug=fdr", *TINY]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(result)
    (sweep,) = sorted((tmp_path / "debug" / "multiruns").iterdir())
    # A fast dev run keeps no best checkpoint: each trial returns its last validation value.
    for job in ("0", "1"):
        record = read_json(sweep / job / "metrics.json")
        assert record["status"] == "done", job
        assert record["metrics"]["val/exact_match_best"] == record["metrics"]["val/exact_match"]
    assert "val/exact_match_best is its last validation value" in result.stdout + result.stderr
    assert OmegaConf.load(sweep / "optimization_results.yaml").trials == {"complete": 2}


def test_the_preset_for_every_family_searches_the_classifier(tmp_path: Path):
    """hparams_search=optuna on the other shipped family: both trials finish, the best is written."""
    require("optuna")
    classifier = ["model=classifier", "data=dyck", "model.encoder.hidden_size=16"]
    small = ["data.train_size=64", "data.val_size=16", "data.test_size=16", "extras.print_config=false"]
    overrides = ["-m", "hparams_search=optuna", "hydra.sweeper.n_trials=2", "debug=fdr", *classifier, *small]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(result)
    assert "left out of the search" not in result.stdout + result.stderr  # it has every knob
    (sweep,) = sorted((tmp_path / "debug" / "multiruns").iterdir())
    for job in ("0", "1"):
        record = read_json(sweep / job / "metrics.json")
        assert record["status"] == "done", job
        assert "val/acc" in record["metrics"]
    results = OmegaConf.load(sweep / "optimization_results.yaml")
    assert results.trials == {"complete": 2}
    assert set(results.best_params) == {
        "model.optimizer.lr",
        "model.optimizer.weight_decay",
        "data.batch_size",
        "model.dropout",
        "model.encoder.dropout",
    }


def test_a_search_whose_every_trial_failed_ends_in_one_paragraph(tmp_path: Path):
    require("optuna")
    no_tab = tmp_path / "pairs.tsv"
    no_tab.write_text("abc cba\n")
    overrides = ["-m", "hparams_search=attention_optuna", "hydra.sweeper.n_trials=2", "debug=fdr"]
    result = run_entry_point("train.py", [*overrides, "data=tsv", f"data.path={no_tab}"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    (paragraph,) = [line for line in result.stderr.splitlines() if line.startswith("Every trial")]
    assert "trials 0, 1 (" in paragraph and "pairs.tsv, line 1: expected exactly one tab" in paragraph


def test_search_grammar_becomes_optuna_distributions():
    distributions = require("optuna.distributions")
    from hydra_plugins.plugboard_optuna_sweeper._search_space import search_space

    space = search_space(
        [
            "model/attention=choice(dot, additive)",
            "model.optimizer.lr=tag(log, interval(1e-4, 1e-2))",
            "model.encoder.dropout=interval(0.0, 0.3)",
            "model.encoder.num_layers=range(1, 3)",
            "model.encoder.hidden_size=choice(32, 64)",
            "model.encoder.hidden_size=16",  # a later fixed value takes a key out of the search
        ]
    )
    assert space.distributions == {
        "model/attention": distributions.CategoricalDistribution(["dot", "additive"]),
        "model.optimizer.lr": distributions.FloatDistribution(1e-4, 1e-2, log=True),
        "model.encoder.dropout": distributions.FloatDistribution(0.0, 0.3),
        "model.encoder.num_layers": distributions.IntDistribution(1, 3),
    }
    assert space.fixed == ["model.encoder.hidden_size=16"]
    del space.distributions["model.optimizer.lr"], space.distributions["model.encoder.dropout"]
    assert space.grid() == {"model/attention": ["dot", "additive"], "model.encoder.num_layers": [1, 2, 3]}


def test_hydra_finds_the_sweeper_without_importing_optuna():
    program = (
        "import json, sys\n"
        "from hydra.core.plugins import Plugins\n"
        "from hydra.plugins.sweeper import Sweeper\n"
        "names = [plugin.__name__ for plugin in Plugins.instance().discover(Sweeper)]\n"
        "print(json.dumps([names, 'optuna' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    names, imported_optuna = json.loads(result.stdout.strip().splitlines()[-1])
    assert "PlugboardOptunaSweeper" in names
    assert not imported_optuna


# About a minute on 2 cores (two processes each import torch and Lightning); the sweeps above
# cover the single-process path.
@pytest.mark.slow
def test_under_ddp_rank_zero_reports_and_every_rank_stops(tmp_path: Path):
    optuna = require("optuna")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    # What the sweeper does before launching a job: a study in the journal with a running trial 0.
    journal(tmp_path).parent.mkdir(parents=True)
    storage = JournalStorage(JournalFileBackend(str(journal(tmp_path))))
    study = optuna.create_study(study_name="attention_optuna", storage=storage, direction="maximize")
    study.ask()

    overrides = [
        "hparams_search=attention_optuna",
        "hydra/sweeper/pruner=threshold",
        "hydra.sweeper.pruner.lower=2.0",
        "trainer=ddp_cpu",
        *SMALL,
    ]
    result = run_entry_point("train.py", overrides, tmp_path, timeout=600, PLUGBOARD_OPTUNA_TRIAL="0")
    assert_succeeded(result)
    (record,) = tmp_path.rglob("metrics.json")  # one record, written by rank 0
    assert read_json(record)["status"] == "pruned"
    (trial,) = optuna.load_study(study_name="attention_optuna", storage=storage).trials
    assert list(trial.intermediate_values) == [0]  # one report for epoch 0, from rank 0 only
    assert trial.user_attrs["pruned_at_epoch"] == 0


# 40-60 s on 2 cores: each joblib worker imports torch and Lightning anew.
@pytest.mark.slow
def test_trials_run_in_parallel_through_the_joblib_launcher(tmp_path: Path):
    require("optuna")
    require("hydra_plugins.hydra_joblib_launcher")
    overrides = [
        *SEARCH,
        "launcher=joblib",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.n_trials=2",
        "hydra/sweeper/pruner=threshold",
        "hydra.sweeper.pruner.lower=2.0",
    ]
    result = run_entry_point("train.py", overrides, tmp_path)
    assert_succeeded(result)
    assert "Joblib.Parallel(n_jobs=2" in result.stdout + result.stderr
    (sweep,) = sweep_dirs(tmp_path)
    # The worker processes found their trials in the journal and pruned them.
    assert [read_json(sweep / job / "metrics.json")["status"] for job in ("0", "1")] == ["pruned"] * 2
    assert [trial["state"] for trial in stored_trials(tmp_path).values()] == ["PRUNED", "PRUNED"]
