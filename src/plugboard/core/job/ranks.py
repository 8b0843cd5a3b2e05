"""Which process of a job this is, and work done once per job rather than once per process.

One answer everywhere: once Lightning is loaded, the rank its strategy set (the attribute
Lightning's own `rank_zero_only` reads); before that (while Hydra composes, claims the run dir
or prints help, with no torch loaded) the variable a launcher gave the process, read in
Lightning's order: torchrun's `RANK`, Lightning's own DDP processes' `LOCAL_RANK`, SLURM's
`SLURM_PROCID`, LSF's `JSM_NAMESPACE_RANK`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
# As lightning.fabric.utilities.rank_zero reads them: LOCAL_RANK before SLURM_PROCID.
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")


def global_rank(env: Mapping[str, str] | None = None) -> int:
    """Lightning's rank once Lightning is loaded, else the one a launcher gave this process.

    `env` (for tests and for a launch's own variables) skips Lightning and reads only variables.
    """
    if env is None:
        utilities = sys.modules.get("lightning_utilities.core.rank_zero")
        rank = getattr(getattr(utilities, "rank_zero_only", None), "rank", None)
        if rank is not None:
            return int(rank)
        env = os.environ
    for name in RANK_VARIABLES:
        if env.get(name, "").isdigit():
            return int(env[name])
    return 0


def rank_zero_only(function: Callable[P, T]) -> Callable[P, T | None]:
    """`function` runs on rank 0 only; other ranks get None."""

    @wraps(function)
    def on_rank_zero(*args: P.args, **kwargs: P.kwargs) -> T | None:
        return function(*args, **kwargs) if global_rank() == 0 else None

    return on_rank_zero
