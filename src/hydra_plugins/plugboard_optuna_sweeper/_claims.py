"""Which trials a search worker may run when several share one study.

Each worker asks the study for its next trial when it is free. Optuna numbers trials atomically
in the storage (the order of the journal's lines, a database's row ids), so the no-surplus rule
needs no lock of its own: a worker asks first, then counts the trials numbered below its own
that are finished (complete or pruned) or running. When those already make `n_trials`, its
trial is surplus: told failed at once with the user attr `surplus`, never run, and counted
nowhere. Of two workers asking at once the lower number runs; at most `n_trials` trials finish.

A worker killed mid-trial (kill -9, a lost node) leaves its trial running in the storage. So
while a trial runs its worker stamps the user attr `heartbeat` every `heartbeat_interval`
seconds, and any worker tells a running trial not heard from for `grace_period` seconds failed;
a failed trial does not count, so another is asked in its place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import TrialState

log = logging.getLogger(__name__)
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
SURPLUS_ATTR = "surplus"
HEARTBEAT_ATTR = "heartbeat"


def finished_and_running(study: optuna.Study) -> tuple[int, int]:
    """How many trials of the study are finished, and how many run now."""
    states = [trial.state for trial in study.get_trials(deepcopy=False)]
    return sum(state in FINISHED for state in states), states.count(TrialState.RUNNING)


def ask_within(study: optuna.Study, distributions: dict[str, BaseDistribution], n_trials: int):
    """A new trial to run, or None when the trials numbered below it already make `n_trials`
    (the new one is then told failed as surplus)."""
    trial = study.ask(distributions)
    counted = (*FINISHED, TrialState.RUNNING)
    before = [other for other in study.get_trials(deepcopy=False) if other.number < trial.number]
    if sum(other.state in counted for other in before) < n_trials:
        return trial
    trial.set_user_attr(SURPLUS_ATTR, True)
    study.tell(trial, state=TrialState.FAIL)
    log.info(f"Trial {trial.number} not run: the trials before it make n_trials={n_trials}")
    return None


def fail_stale_trials(study: optuna.Study, grace_period: float) -> list[int]:
    """Tells failed every running trial whose worker has not stamped it for `grace_period` s
    (a trial from before heartbeats: since it started)."""
    now, failed = time.time(), []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        started = trial.datetime_start.timestamp() if trial.datetime_start else now
        if now - float(trial.user_attrs.get(HEARTBEAT_ATTR, started)) <= grace_period:
            continue
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (RuntimeError, ValueError):  # another worker told it first
            continue
        failed.append(trial.number)
    if failed:
        log.warning(
            f"Trial{'s' if len(failed) > 1 else ''} {', '.join(map(str, failed))} recorded as failed: not "
            f"heard from for {grace_period:g} s (hydra.sweeper.grace_period), the worker running it stopped"
        )
    return failed


@contextmanager
def heartbeat(trials: list[optuna.Trial], interval: float) -> Iterator[None]:
    """Stamps the trials' `heartbeat` attr every `interval` seconds while they run."""
    stop = threading.Event()

    def beat() -> None:
        while True:
            for trial in trials:
                trial.set_user_attr(HEARTBEAT_ATTR, time.time())
            if stop.wait(interval):
                return

    thread = threading.Thread(target=beat, name="optuna-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
