"""Search workers sharing one Optuna study, through the sweeper's own loop with a stub launcher:
the study ends at exactly n_trials finished trials, a dead worker's trial is failed and replaced,
workers started together suggest different trials, and one worker's trials prune another's.

The same through the real `train.py -m`: tests/entry_points/test_optuna_workers.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from helpers import require
from omegaconf import OmegaConf

optuna = require("optuna")

from hydra.core.utils import JobReturn, JobStatus  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from hydra_plugins.plugboard_optuna_sweeper._claims import (  # noqa: E402
    HEARTBEAT_ATTR,
    SURPLUS_ATTR,
    ask_within,
    fail_stale_trials,
)
from hydra_plugins.plugboard_optuna_sweeper._search_space import search_space  # noqa: E402
from hydra_plugins.plugboard_optuna_sweeper._sweep import _run_trials, _sampler  # noqa: E402
from plugboard.core.job.optuna_trial import open_study  # noqa: E402

SPACE = search_space(["x=interval(0.0, 1.0)"])
JOB_CONFIG = OmegaConf.create({"hydra": {"runtime": {"output_dir": None}}})


def settings(storage: str, **more) -> OmegaConf:
    return OmegaConf.create(
        {
            "study_name": "workers",
            "storage": storage,
            "direction": "minimize",
            "pruner": {"_target_": "optuna.pruners.NopPruner"},
            "n_jobs": 1,
            "max_failure_rate": 1.0,
            "heartbeat_interval": 0.2,
            "grace_period": 1.0,
            **more,
        }
    )


class SleepingLauncher:
    """Runs a trial by sleeping for a time its parameter sets (unequal trials); records numbers."""

    def __init__(self) -> None:
        self.ran: list[int] = []

    def launch(self, job_overrides, initial_job_idx):
        returns = []
        for overrides in job_overrides:
            x = float(next(word for word in overrides if word.startswith("x=")).split("=")[1])
            self.ran.append(int(overrides[-1].rsplit("=", 1)[1]))
            time.sleep(0.05 + 0.2 * x)
            returns.append(
                JobReturn(
                    overrides,
                    cfg=JOB_CONFIG,
                    hydra_cfg=JOB_CONFIG,
                    _return_value=x,
                    status=JobStatus.COMPLETED,
                )
            )
        return returns


def storages(tmp_path: Path) -> dict[str, str]:
    return {"journal": str(tmp_path / "study.log"), "sqlite": f"sqlite:///{tmp_path / 'study.db'}"}


@pytest.mark.parametrize("storage", ["journal", "sqlite"])
def test_four_workers_finish_the_study_at_exactly_n_trials(tmp_path: Path, storage: str):
    config = settings(storages(tmp_path)[storage])
    launchers = [SleepingLauncher() for _ in range(4)]
    studies = [open_study(config) for _ in launchers]  # each worker its own connection
    errors = []

    def worker(study, launcher: SleepingLauncher) -> None:
        try:
            _run_trials(study, SPACE, launcher, config, n_trials=10, budget=10)
        except Exception as error:  # a thread's error would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=worker, args=pair) for pair in zip(studies, launchers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    trials = open_study(config).get_trials()
    ran = [number for launcher in launchers for number in launcher.ran]
    assert sum(trial.state == TrialState.COMPLETE for trial in trials) == 10
    assert len(ran) == len(set(ran)) == 10  # no trial number ran twice, none beyond n_trials
    assert all(len(launcher.ran) >= 1 for launcher in launchers)  # every worker took part
    # Any trial that did not run was asked at the same time as the last ones: failed, as surplus.
    assert all(trial.user_attrs.get(SURPLUS_ATTR) for trial in trials if trial.number not in ran)


def test_a_trial_asked_when_the_study_is_full_is_surplus_and_never_counts(tmp_path: Path):
    config = settings(storages(tmp_path)["journal"])
    first, second = open_study(config), open_study(config)
    running = ask_within(first, SPACE.distributions, n_trials=1)
    assert running is not None
    assert ask_within(second, SPACE.distributions, n_trials=1) is None  # two workers asking at once
    first.tell(running, 0.5)
    states = [(trial.number, trial.state, trial.user_attrs.get(SURPLUS_ATTR)) for trial in first.get_trials()]
    assert states == [(0, TrialState.COMPLETE, None), (1, TrialState.FAIL, True)]


def test_a_dead_workers_trial_is_failed_and_another_runs_in_its_place(tmp_path: Path):
    config = settings(storages(tmp_path)["sqlite"])
    dead = open_study(config)
    orphan = dead.ask(SPACE.distributions)
    orphan.set_user_attr(HEARTBEAT_ATTR, time.time())  # then its worker is killed: no more stamps
    assert fail_stale_trials(dead, grace_period=60.0) == []  # heard from just now: still running

    launcher = SleepingLauncher()
    started = time.monotonic()
    _run_trials(open_study(config), SPACE, launcher, config, n_trials=2, budget=2)
    states = {trial.number: trial.state for trial in open_study(config).get_trials()}
    assert states == {0: TrialState.FAIL, 1: TrialState.COMPLETE, 2: TrialState.COMPLETE}
    assert launcher.ran == [1, 2]
    assert time.monotonic() - started >= config.grace_period  # it waited for the grace period first


def test_workers_started_together_suggest_different_trials(tmp_path: Path):
    tpe = OmegaConf.create({"_target_": "optuna.samplers.TPESampler", "seed": 1234, "n_startup_trials": 5})
    firsts = []
    for worker in (0, 1):
        study = optuna.create_study(sampler=_sampler(tpe, trials_so_far=0, worker=worker))
        firsts.append([study.ask(SPACE.distributions).params["x"] for _ in range(3)])
    assert firsts[0] != firsts[1]
    # The same worker index gives the same trials: the search stays repeatable.
    again = optuna.create_study(sampler=_sampler(tpe, trials_so_far=0, worker=1))
    assert [again.ask(SPACE.distributions).params["x"] for _ in range(3)] == firsts[1]


@pytest.mark.parametrize("storage", ["journal", "sqlite"])
def test_a_trial_is_pruned_by_what_another_workers_trials_reported(tmp_path: Path, storage: str):
    median = {"_target_": "optuna.pruners.MedianPruner", "n_startup_trials": 2, "n_warmup_steps": 0}
    config = settings(storages(tmp_path)[storage], pruner=median)
    first, second = open_study(config), open_study(config)  # two workers, two connections
    for loss in (0.2, 0.3):
        trial = ask_within(first, SPACE.distributions, n_trials=4)
        trial.report(loss, step=0)
        first.tell(trial, loss)
    worse, better = (ask_within(second, SPACE.distributions, n_trials=4) for _ in range(2))
    worse.report(0.9, step=0)
    better.report(0.1, step=0)
    # Only the first worker's trials are below the median the second worker's trial is held to.
    assert worse.should_prune() and not better.should_prune()


def test_workers_need_a_study_they_all_open():
    from hydra_plugins.plugboard_optuna_sweeper._workers import start_other_workers
    from plugboard.core.errors import SweepError

    in_memory = OmegaConf.create({"n_workers": 2, "worker": 0, "storage": None})
    with pytest.raises(SweepError, match="hydra.sweeper.storage is null"):
        start_other_workers(in_memory, OmegaConf.create({"hydra": {"sweep": {"dir": "unused"}}}))
