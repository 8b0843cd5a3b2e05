"""Hydra callback (configs/hydra/default.yaml): every job of a sweep checked before the first runs.

- A multirun composes each job of its grid, or each candidate value of a search
  (`plugboard.core.config.sweep_jobs`), checks it as a single run would be checked
  (`plugboard.core.config.validation`) and stops with one paragraph naming the bad jobs, before any
  folder is made or job started.
- `validate=true` checks without training: `python train.py -m <sweep> validate=true` prints
  "N jobs valid", a single run `python train.py ... validate=true` "1 job valid"; a problem
  ends with the paragraph and exit status 1. It checks a config that may be meant for another
  machine (a GPU job checked on a login node before `srun`), so what this machine lacks (GPUs,
  `plugboard.core.config.devices.machine_problems`) is printed as a note, not refused: the job is
  judged against its machine again when it starts there.

Composing for the check creates nothing (the resolvers only compute values; the run dir is
claimed later, by `plugboard.core.job.run_dir.OneRunDirPerJob`). Hydra imports this module at
start-up, so it imports neither torch nor the checks themselves, which import the classes they
check.
"""

from __future__ import annotations

import copy
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict, read_write

from plugboard.core.config import _hydra

log = logging.getLogger(__name__)

SHOWN_JOBS = 10
RUN_DIR_PLACEHOLDER = "<the job's run dir>"


class CheckBeforeRunning(Callback):
    def on_run_start(self, config: DictConfig, config_name: str | None = None, **kwargs: Any) -> None:
        if not config.get("validate"):
            return  # the work function checks its config itself before building anything
        from plugboard.core.config.validation import problem_paragraph

        overrides = list(config.hydra.overrides.task)
        problems = check_job(config, config_name, overrides)
        notes = (
            []
            if problems
            else _machine_notes([check_job(config, config_name, overrides, on_this_machine=True)])
        )
        _finish(problem_paragraph(problems) if problems else None, "1 job valid", notes=notes)

    def on_multirun_start(self, config: DictConfig, config_name: str | None = None, **kwargs: Any) -> None:
        from plugboard.core.config.devices import runs_jobs_here
        from plugboard.core.config.sweep_jobs import sweep_jobs

        started = time.perf_counter()
        jobs, is_grid = sweep_jobs(config)
        compose, here, validate = JobComposer(config), runs_jobs_here(config), bool(config.get("validate"))
        found = {
            job.name: check_job(config, config_name, job.overrides, number, compose, here and not validate)
            for number, job in enumerate(jobs)
        }
        bad = {name: problems for name, problems in found.items() if problems}
        notes = []
        if validate and here and not bad:
            judged = [
                check_job(config, config_name, job.overrides, n, compose, True) for n, job in enumerate(jobs)
            ]
            notes = _machine_notes(judged)
        kind = "jobs" if is_grid else "candidate jobs (every choice and both ends of every interval)"
        if not bad:
            log.info(f"Checked the {len(jobs)} {kind} of this sweep in {time.perf_counter() - started:.1f} s")
        _finish(
            _sweep_paragraph(bad, len(jobs), is_grid) if bad else None,
            f"{len(jobs)} {kind} valid",
            config,
            notes,
        )


def check_job(
    config: DictConfig,
    config_name: str | None,
    overrides: list[str],
    number: int = 0,
    compose: Callable[[list[str]], DictConfig] | None = None,
    on_this_machine: bool = False,
) -> list[str]:
    """The problems, as sentences, of the job that `config` runs with `overrides` (composed again unless
    they are `config`'s own); with `on_this_machine`, its devices judged against this machine."""
    from plugboard.core.config.provenance import Provenance
    from plugboard.core.config.validation import find_problems

    name = config_name or config.hydra.job.config_name
    provenance = Provenance(name, overrides, config.hydra.overrides.hydra, config.hydra.overrides.task)
    try:
        own = overrides == list(config.hydra.overrides.task)
        job = copy.deepcopy(config) if own else (compose or JobComposer(config))(overrides)
    except Exception as error:  # Hydra's composition error: an unknown option or key in this job
        message = f"{error} {error.__cause__ or ''}".split("Config search path:")[0]
        return [f"the job does not compose: {' '.join(message.split())}"]
    with _as_running_job(job, number):
        problems = find_problems(job, name, on_this_machine=on_this_machine)
    return [problem.sentence(provenance) for problem in problems]


class JobComposer:
    """Composes a job of the sweep `config` as Hydra will: its files once per distinct choice of options
    (a sweep over seeds composes once), then the job's `key=value` overrides applied by Hydra's own
    function for them, as Hydra applies them after merging the files."""

    def __init__(self, config: DictConfig) -> None:
        self.config = config
        self.composed: dict[tuple[str, ...], DictConfig] = {}

    def __call__(self, overrides: list[str]) -> DictConfig:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        from plugboard.core.config.provenance import option_overrides

        hydra = self.config.hydra
        options = option_overrides(hydra.job.config_name, hydra.overrides.hydra, overrides)
        parsed = OverridesParser.create().parse_overrides(overrides)
        if options not in self.composed:
            loader = _hydra.config_loader()
            self.composed[options] = loader.load_sweep_config(self.config, list(options))
        job = copy.deepcopy(self.composed[options])
        values = [o for o in parsed if o.input_line not in options]
        _hydra.apply_overrides(values, job)
        return job


@contextmanager
def _as_running_job(job: DictConfig, number: int) -> Iterator[None]:
    """`${hydra:...}` of `job` resolves as in the job itself, whose run dir does not exist yet."""
    with read_write(job.hydra), open_dict(job.hydra):
        job.hydra.runtime.output_dir = RUN_DIR_PLACEHOLDER
        job.hydra.job.num = number
    with _hydra.as_current_hydra_config(job):
        yield


def _sweep_paragraph(bad: dict[str, list[str]], total: int, is_grid: bool) -> str:
    """A grid: the bad jobs, then each problem once with the jobs it is in. A search: each problem once
    (it names the value; its candidates differ only there)."""
    where: dict[str, list[str]] = {}
    for name, sentences in bad.items():
        for sentence in sentences:
            where.setdefault(sentence, []).append(name.split(" ")[0])
    if not is_grid:
        return (
            f"This search would try bad values, so no trial was started: {'; '.join(where)}. Fix each on "
            "the command line or in the config file named; `validate=true` checks a search without "
            "running it."
        )
    jobs = _first([f"`{name}`" for name in bad])
    listed = "; ".join(
        sentence if len(names) == total else f"{sentence} (in {_first(names)})"
        for sentence, names in where.items()
    )
    return (
        f"{len(bad)} of the {total} jobs of this sweep have bad values, so no job was started: {jobs}. "
        f"{listed}. Fix each on the command line or in the config file named; `validate=true` checks a "
        "sweep without running it."
    )


def _first(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN_JOBS} more" if len(names) > SHOWN_JOBS else ""
    return ", ".join(names[:SHOWN_JOBS]) + more


def _machine_notes(judged: list[list[str]]) -> list[str]:
    """The sentences of jobs judged against this machine (they have no other problem), each once."""
    return list(dict.fromkeys(sentence for sentences in judged for sentence in sentences))


def _finish(
    problems: str | None, valid: str, config: DictConfig | None = None, notes: list[str] | None = None
) -> None:
    """Stops with the paragraph (exit status 1) or, under validate=true, with `valid` and the notes on
    what this machine lacks."""
    if problems is not None:
        print(f"\nError: {problems}", file=sys.stderr)
        sys.exit(1)
    if config is None or config.get("validate"):
        print(valid)
        if notes:
            print(
                f"Note: on this machine it would stop: {'; '.join(notes)}. Where it runs, each job checks "
                "its devices again before anything is built.",
                file=sys.stderr,
            )
        sys.exit(0)
