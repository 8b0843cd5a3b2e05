"""The config before anything is built: checked whole, every problem said at once with its source.

    validation.py       check_config, find_problems: one walk over the composed config
    annotation_judge.py accepts, describe: a value against a type annotation (pydantic, strict)
    ranges.py           the ranges of common parameters, and the keys each entry point reads
    devices.py          trainer.devices and trainer.accelerator against the machine the job runs on
    provenance.py       which override or config file set a key ("set by experiment=g2p ...")
    preflight.py        a Hydra callback: every job of a sweep checked before the first runs
    sweep_jobs.py       the jobs of a sweep (a grid, or a search's candidates), known up front
    resolvers.py        the ${plugboard_...} resolvers the configs use
    instantiate.py      the Trainer, callbacks and loggers built from their config groups
    _hydra.py           every private Hydra call of the project, with the version it targets

`check_config` and friends load on first use (PEP 562): Hydra imports this package at every
start-up (the pre-flight callback), and the checks import pydantic and the classes they judge.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Problem", "check_config", "find_problems", "problem_paragraph"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from plugboard.core.config import validation

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
