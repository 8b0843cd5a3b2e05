"""Work done once per job, not once per process, without importing Lightning to find out.

Lightning's `rank_zero_only` would do, but importing it loads torch, and the entry points use
these helpers before Hydra has even composed the config. Once Lightning is loaded its
strategies keep the rank it knows (the same attribute Lightning's decorator reads); before
that, the rank comes from the variables the launchers set, read in Lightning's order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
# As lightning.fabric.utilities.rank_zero reads them: LOCAL_RANK before SLURM_PROCID.
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")


def global_rank() -> int:
    """Lightning's rank once Lightning is loaded, else the one a launcher gave this process."""
    utilities = sys.modules.get("lightning_utilities.core.rank_zero")
    rank = getattr(getattr(utilities, "rank_zero_only", None), "rank", None)
    if rank is not None:
        return int(rank)
    for name in RANK_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


def rank_zero_only(function: Callable[P, T]) -> Callable[P, T | None]:
    """`function` runs on rank 0 only; other ranks get None."""

    @wraps(function)
    def on_rank_zero(*args: P.args, **kwargs: P.kwargs) -> T | None:
        return function(*args, **kwargs) if global_rank() == 0 else None

    return on_rank_zero
