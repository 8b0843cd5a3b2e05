"""The ask-run-tell loop: batches of `n_jobs` trials through any Hydra launcher.

`n_trials` is the number of finished trials (completed or pruned) the study should hold, so the
same command, run again, continues an interrupted search and runs only the trials still missing;
raise `n_trials` to search further. Failed trials are recorded as failed and the search goes on.
A param the job has no place for (`model.dropout` of a model without one) is left out of the search,
said in one line, so one preset serves every family.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import optuna
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.launcher import Launcher
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.trial import TrialState

from hydra_plugins.plugboard_optuna_sweeper._search_space import search_space
from plugboard.core.config._hydra import error_of_failed_job
from plugboard.core.config.sweep_jobs import search_params
from plugboard.core.errors import SweepError
from plugboard.core.job.optuna_trial import PRUNED_ATTR, TRIAL_ENV, open_study
from plugboard.core.job.record import read_metrics

log = logging.getLogger(__name__)
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


def run_study(settings: DictConfig, config: DictConfig, launcher: Launcher, arguments: list[str]) -> None:
    params, absent = search_params(config, settings.params or {})
    if absent:
        log.info(_left_out(absent, config))
    space = search_space([*(f"{key}={value}" for key, value in params.items()), *arguments])
    n_trials = settings.n_trials
    study = open_study(settings)
    study.sampler = _sampler(settings.sampler, len(study.get_trials(deepcopy=False)))
    if OmegaConf.select(settings, "sampler._partial_"):  # the grid sampler takes the grid
        grid = space.grid()
        study.sampler = study.sampler(grid)
        n_trials = min(n_trials, math.prod(len(values) for values in grid.values()))
    _warn_without_pruning_callback(study, config)
    _fail_interrupted_trials(study)
    finished = len(study.get_trials(deepcopy=False, states=FINISHED))
    to_run = max(0, n_trials - finished)
    log.info(
        f"Study '{study.study_name}' in {settings.storage or 'memory'}: {finished} finished trials, "
        f"{to_run} to run for hydra.sweeper.n_trials={settings.n_trials} ({study.direction.name.lower()}, "
        f"{type(study.sampler).__name__}, {type(study.pruner).__name__})"
    )
    failures: list[tuple[int, str]] = []
    while to_run > 0:
        batch = [study.ask(space.distributions) for _ in range(min(to_run, settings.n_jobs))]
        returns = launcher.launch(
            [_overrides(trial, space.fixed) for trial in batch], initial_job_idx=batch[0].number
        )
        stored = {trial.number: trial for trial in study.get_trials(deepcopy=False)}  # what the jobs wrote
        failed = []
        for trial, result in zip(batch, returns, strict=True):
            if _tell(study, trial, result, stored[trial.number].user_attrs) == TrialState.FAIL:
                failed.append((trial.number, _failure(result)))
        failures += failed
        if len(failed) / len(batch) > settings.max_failure_rate:
            raise SweepError(
                f"{len(failed)} of {len(batch)} trials failed, more than hydra.sweeper.max_failure_rate="
                f"{settings.max_failure_rate}, so the search stops: {_by_reason(failed)}. Fix the cause and "
                "run the same command again: the study continues from its journal."
            )
        to_run -= len(batch)
    results = _write_results(study, Path(config.hydra.sweep.dir) / "optimization_results.yaml", settings)
    if failures and not results["best_params"]:
        raise SweepError(
            f"Every trial of the search failed, so there is no best trial: {_by_reason(failures)}. The "
            f"run dirs under {config.hydra.sweep.dir} hold each job's log; fix the cause and run the "
            "same command again (the study continues from its journal)."
        )


def _left_out(keys: list[str], config: DictConfig) -> str:
    """`Optuna search: model.dropout is not in this config (model=mlp): left out of the search`."""
    model = OmegaConf.select(config, "hydra.runtime.choices.model")
    names = " and ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
    verb = "are" if len(keys) > 1 else "is"
    where = f"this config (model={model})" if model else "this config"
    return f"Optuna search: {names} {verb} not in {where}: left out of the search"


def _sampler(settings: DictConfig, trials_so_far: int) -> Any:
    """The configured sampler; in a study continued from its journal, its seed is moved on by the
    number of trials already there, so that it does not suggest the first run's trials again."""
    seed = settings.get("seed")
    if seed is not None and trials_so_far:
        settings = OmegaConf.merge(settings, {"seed": seed + trials_so_far})
    return instantiate(settings)


def _overrides(trial: optuna.Trial, fixed: list[str]) -> list[str]:
    """The job's overrides: the trial's parameters, the fixed ones, and the trial number the job reads."""
    chosen = [f"{name}={value}" for name, value in trial.params.items()]
    return [*chosen, *fixed, f"++hydra.job.env_set.{TRIAL_ENV}={trial.number}"]


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


def _fail_interrupted_trials(study: optuna.Study) -> None:
    """Trials left running by a search that was stopped (Ctrl-C, a killed process) never end by
    themselves: record them as failed so that this run replaces them."""
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial in running:
        study.tell(trial.number, state=TrialState.FAIL)
    if running:
        log.warning(f"{len(running)} trials left running by an interrupted search recorded as failed")


def _write_results(study: optuna.Study, path: Path, settings: DictConfig) -> dict[str, Any]:
    """optimization_results.yaml: the best trial of the whole study (earlier runs included)."""
    trials = study.get_trials(deepcopy=False)
    counts = {state.name.lower(): sum(trial.state == state for trial in trials) for state in TrialState}
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
