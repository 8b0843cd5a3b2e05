"""The ask-run-tell loop of one search worker: `n_jobs` trials at a time through any Hydra launcher,
asked whenever the worker is free, so that several workers on one study never wait for each other.

`n_trials` is the number of finished trials (completed or pruned) the study should hold, so the
same command, run again, continues an interrupted search and runs only the trials still missing;
raise `n_trials` to search further. Failed trials are recorded as failed and the search goes on.
How workers share a study without running a trial too many: `_claims.py`.
A param the job has no place for (`model.dropout` of a model without one) is left out of the search,
said in one line, so one preset serves every family.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import optuna
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.launcher import Launcher
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.trial import TrialState

from hydra_plugins.plugboard_optuna_sweeper._claims import (
    SURPLUS_ATTR,
    ask_within,
    fail_stale_trials,
    finished_and_running,
    heartbeat,
)
from hydra_plugins.plugboard_optuna_sweeper._search_space import search_space
from hydra_plugins.plugboard_optuna_sweeper._workers import start_other_workers, wait_for_other_workers
from plugboard.core.config._hydra import error_of_failed_job
from plugboard.core.config.sweep_jobs import search_params
from plugboard.core.errors import SweepError
from plugboard.core.job.optuna_trial import PRUNED_ATTR, TRIAL_ENV, open_study
from plugboard.core.job.record import read_metrics

log = logging.getLogger(__name__)
# Worker k's sampler seed is seed + k * this (plus the trials already in the study).
WORKER_SEED_STEP = 10_000


def run_study(settings: DictConfig, config: DictConfig, launcher: Launcher, arguments: list[str]) -> None:
    params, absent = search_params(config, settings.params or {})
    if absent:
        log.info(_left_out(absent, config))
    space = search_space([*(f"{key}={value}" for key, value in params.items()), *arguments])
    n_trials = settings.n_trials
    study = open_study(settings)
    study.sampler = _sampler(settings.sampler, len(study.get_trials(deepcopy=False)), settings.worker)
    if OmegaConf.select(settings, "sampler._partial_"):  # the grid sampler takes the grid
        grid = space.grid()
        study.sampler = study.sampler(grid)
        n_trials = min(n_trials, math.prod(len(values) for values in grid.values()))
    _warn_without_pruning_callback(study, config)
    others = start_other_workers(settings, config)
    fail_stale_trials(study, settings.grace_period)
    finished, running = finished_and_running(study)
    budget = max(0, n_trials - finished)  # a search whose every trial fails still ends
    log.info(
        f"Study '{study.study_name}' in {settings.storage or 'memory'}: {finished} finished trials, "
        f"{running} running, {budget} to run for hydra.sweeper.n_trials={settings.n_trials} "
        f"({study.direction.name.lower()}, {type(study.sampler).__name__}, {type(study.pruner).__name__}"
        f"{f', worker {settings.worker}' if settings.worker or others else ''})"
    )
    failures = _run_trials(study, space, launcher, settings, n_trials, budget)
    results = _write_results(study, Path(config.hydra.sweep.dir) / "optimization_results.yaml", settings)
    wait_for_other_workers(others)
    if failures and not results["best_params"]:
        raise SweepError(
            f"Every trial of the search failed, so there is no best trial: {_by_reason(failures)}. The "
            f"run dirs under {config.hydra.sweep.dir} hold each job's log; fix the cause and run the "
            "same command again (the study continues from its journal)."
        )


def _run_trials(
    study: optuna.Study, space: Any, launcher: Launcher, settings: DictConfig, n_trials: int, budget: int
) -> list[tuple[int, str]]:
    """Asks for up to `n_jobs` trials whenever this worker is free, until the study holds
    `n_trials` finished trials or this worker has run `budget`; waits while the trials still
    missing run in other workers (one of them may die, and its trial be asked again)."""
    failures: list[tuple[int, str]] = []
    while budget > 0:
        finished, running = finished_and_running(study)
        if finished >= n_trials:
            break
        free = min(n_trials - finished - running, settings.n_jobs, budget)
        batch = [
            trial
            for trial in (ask_within(study, space.distributions, n_trials) for _ in range(free))
            if trial
        ]
        if not batch:
            time.sleep(min(settings.heartbeat_interval, 1.0))
            fail_stale_trials(study, settings.grace_period)
            continue
        failed = _run_batch(study, batch, space.fixed, launcher, settings)
        failures += failed
        budget -= len(batch)
        if len(failed) / len(batch) > settings.max_failure_rate:
            raise SweepError(
                f"{len(failed)} of {len(batch)} trials failed, more than hydra.sweeper.max_failure_rate="
                f"{settings.max_failure_rate}, so the search stops: {_by_reason(failed)}. Fix the cause and "
                "run the same command again: the study continues from its journal."
            )
    return failures


def _run_batch(
    study: optuna.Study, batch: list[optuna.Trial], fixed: list[str], launcher: Launcher, settings: DictConfig
) -> list[tuple[int, str]]:
    """Runs the trials through the launcher and tells the study how each ended; the failed ones."""
    try:
        with heartbeat(batch, settings.heartbeat_interval):
            returns = launcher.launch(
                [_overrides(trial, fixed) for trial in batch], initial_job_idx=batch[0].number
            )
    except BaseException:  # Ctrl-C or a launcher error: these trials did not finish
        for trial in batch:
            _finish(study, trial, TrialState.FAIL)
        raise
    stored = {trial.number: trial for trial in study.get_trials(deepcopy=False)}  # what the jobs wrote
    failed = []
    for trial, result in zip(batch, returns, strict=True):
        if _tell(study, trial, result, stored[trial.number].user_attrs) == TrialState.FAIL:
            failed.append((trial.number, _failure(result)))
    return failed


def _left_out(keys: list[str], config: DictConfig) -> str:
    """`Optuna search: model.dropout is not in this config (model=mlp): left out of the search`."""
    model = OmegaConf.select(config, "hydra.runtime.choices.model")
    names = " and ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
    verb = "are" if len(keys) > 1 else "is"
    where = f"this config (model={model})" if model else "this config"
    return f"Optuna search: {names} {verb} not in {where}: left out of the search"


def _sampler(settings: DictConfig, trials_so_far: int, worker: int) -> Any:
    """The configured sampler; in a study continued from its journal, its seed is moved on by the
    number of trials already there, so that it does not suggest the first run's trials again, and
    each worker's by WORKER_SEED_STEP times its index, so that workers started together do not
    all suggest the same start-up trials."""
    seed = settings.get("seed")
    if seed is not None and (trials_so_far or worker):
        settings = OmegaConf.merge(settings, {"seed": seed + trials_so_far + WORKER_SEED_STEP * worker})
    return instantiate(settings)


def _overrides(trial: optuna.Trial, fixed: list[str]) -> list[str]:
    """The job's overrides: the trial's parameters, the fixed ones, and the trial number the job reads."""
    chosen = [f"{name}={value}" for name, value in trial.params.items()]
    # The job dir is named by the trial number, which another worker's trials may interleave.
    numbered = [f"hydra.sweep.subdir={trial.number}", f"++hydra.job.env_set.{TRIAL_ENV}={trial.number}"]
    return [*chosen, *fixed, *numbered]


def _tell(study: optuna.Study, trial: optuna.Trial, result: JobReturn, user_attrs: dict) -> TrialState:
    """Pruned when the job's callback said so, complete with a number, failed otherwise."""
    output_dir = OmegaConf.select(result.hydra_cfg or {}, "hydra.runtime.output_dir")
    if output_dir:  # shown by optuna-dashboard next to the trial
        trial.set_user_attr("run_dir", str(output_dir))
    if PRUNED_ATTR in user_attrs:
        _finish(study, trial, TrialState.PRUNED)
        log.info(f"Trial {trial.number} pruned after epoch {user_attrs[PRUNED_ATTR]}")
        return TrialState.PRUNED
    value = _number(result.return_value) if result.status == JobStatus.COMPLETED else None
    if value is not None:
        _finish(study, trial, TrialState.COMPLETE, value)
        log.info(f"Trial {trial.number} finished with value {value:.6g}")
        return TrialState.COMPLETE
    _finish(study, trial, TrialState.FAIL)
    log.warning(f"Trial {trial.number} failed ({_failure(result)}); the search goes on")
    return TrialState.FAIL


def _by_reason(failures: list[tuple[int, str]]) -> str:
    """`trials 0, 2 (<reason>); trial 1 (<other reason>)`: each reason once."""
    numbers: dict[str, list[str]] = {}
    for number, reason in failures:
        numbers.setdefault(reason, []).append(str(number))
    return "; ".join(
        f"trial{'s' if len(trials) > 1 else ''} {', '.join(trials)} ({reason.rstrip('.')})"
        for reason, trials in numbers.items()
    )


def _failure(result: JobReturn) -> str:
    """Why a job gave no value: the error its run record names, else what the launcher caught."""
    if result.status == JobStatus.FAILED:
        error = error_of_failed_job(result)
        return f"{type(error).__name__}: {error}"
    output_dir = OmegaConf.select(result.hydra_cfg or {}, "hydra.runtime.output_dir")
    try:
        record = read_metrics(Path(output_dir)) if output_dir else None
    except ValueError:
        record = None
    if record and record.get("error"):
        return str(record["error"])
    metric = OmegaConf.select(result.cfg or {}, "optimized_metric")
    return f"the job ended without a value for optimized_metric={metric}"


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _finish(study: optuna.Study, trial: optuna.Trial, state: TrialState, value: float | None = None) -> None:
    """study.tell; the grid sampler calls study.stop() after its last point, which Optuna only
    allows inside study.optimize: the trial is stored all the same, so that error is ignored."""
    try:
        study.tell(trial, value, state=state)
    except RuntimeError as error:
        if "Study.stop" not in str(error):
            raise


def _warn_without_pruning_callback(study: optuna.Study, config: DictConfig) -> None:
    """A pruner only acts on what the jobs report; say so when no job will report anything."""
    callbacks = OmegaConf.select(config, "callbacks") or {}
    targets = [str(node.get("_target_", "")) for node in callbacks.values() if isinstance(node, DictConfig)]
    if not isinstance(study.pruner, optuna.pruners.NopPruner) and not any(
        target.endswith("OptunaPruning") for target in targets
    ):
        log.warning(
            f"{type(study.pruner).__name__} is set but no callback reports to it, so no trial is pruned: "
            "add plugboard.core.callbacks.optuna_pruning.OptunaPruning to the callbacks"
        )


def _write_results(study: optuna.Study, path: Path, settings: DictConfig) -> dict[str, Any]:
    """optimization_results.yaml: the best trial of the whole study (earlier runs included)."""
    trials = study.get_trials(deepcopy=False)
    run = [trial for trial in trials if not trial.user_attrs.get(SURPLUS_ATTR)]
    counts = {state.name.lower(): sum(trial.state == state for trial in run) for state in TrialState}
    counts["surplus"] = len(trials) - len(run)  # asked by a worker, never run (_claims.py)
    results: dict[str, Any] = {"name": "optuna", "study_name": study.study_name, "storage": settings.storage}
    if counts["complete"]:
        best = study.best_trial
        results |= {"best_trial": best.number, "best_params": best.params, "best_value": best.value}
        log.info(f"Best trial {best.number}: value {best.value:.6g} with {best.params}")
    else:
        results |= {"best_trial": None, "best_params": None, "best_value": None}
        log.warning("No trial completed, so there is no best trial")
    results["trials"] = {state: count for state, count in counts.items() if count}
    path.parent.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(results), path)
    return results
