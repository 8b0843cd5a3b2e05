"""The values of a saved config, and the refusal every check of a saved file ends with.

`check_values`: an interpolation (`${...}`, which would run a resolver) anywhere, an integer above
`MAX_INTEGER` in the model, data or metadata, a list longer than `MAX_LIST_LENGTH`.
`check_saved_paths`: the best-checkpoint record a resumed run would restore stays inside the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugboard.core.checkpoints.bounds import excerpt
from plugboard.core.errors import PlugboardError

MAX_INTEGER = 10_000_000  # sizes, counts and seeds in a saved model or data config
MAX_LIST_LENGTH = 2_000_000  # e.g. a vocabulary in the saved metadata


class UntrustedCheckpointError(PlugboardError, ValueError):
    """A saved config that asks for more than rebuilding a model of this project needs."""


def check_values(node: Any, path: str, source: str) -> None:
    """Refuses interpolations, oversized integers and overlong lists anywhere in `node`."""
    stack = [(node, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str) and "${" in value:
            refuse(
                source,
                where,
                value,
                "is an interpolation, which would run a resolver; saved configs hold values",
            )
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            if where.startswith(("model", "data", "metadata")):
                refuse(
                    source,
                    where,
                    value,
                    f"is larger than {MAX_INTEGER:,}, more than any model here is built with",
                )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and "${" in key:
                    refuse(source, where, key, "is an interpolation, which would run a resolver")
                stack.append((item, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list | tuple):
            if len(value) > MAX_LIST_LENGTH:
                refuse(
                    source, where, f"a list of {len(value):,}", f"is longer than {MAX_LIST_LENGTH:,} entries"
                )
            stack += [(item, f"{where}[{index}]") for index, item in enumerate(value)]


def refuse(source: str, key: str, value: Any, why: str) -> None:
    """Raises the one paragraph every refusal of a saved file is: the key, a short excerpt, why."""
    raise UntrustedCheckpointError(
        f"Refusing to rebuild from {source}: {key}={excerpt(value)} {why}. Nothing was built or run. A saved "
        "file may only rebuild what this project's code and config files admit at each place."
    )


def check_saved_paths(checkpoint: Mapping[str, Any], run_dir: str, source: str) -> None:
    """Paths a checkpoint's callback states hold must lie inside the run being resumed.

    Lightning restores ModelCheckpoint's record of best checkpoints when its saved `dirpath` is the
    resumed run's (and may later delete those files as better ones arrive); from any other dirpath
    it restores none of them. So a state whose dirpath says "this run" must point only inside it,
    symlinks and `..` resolved.
    """
    from pathlib import Path

    root = Path(run_dir).resolve()
    for name, state in (checkpoint.get("callbacks") or {}).items():
        dirpath = state.get("dirpath") if isinstance(state, Mapping) else None
        if not isinstance(dirpath, str) or not Path(dirpath).resolve().is_relative_to(root):
            continue
        paths = [
            state.get(key) for key in ("dirpath", "best_model_path", "kth_best_model_path", "last_model_path")
        ]
        paths += list((state.get("best_k_models") or {}).keys())
        for path in filter(None, paths):
            if not isinstance(path, str) or not Path(path).resolve().is_relative_to(root):
                refuse(source, f"callbacks.{name}", path, f"points outside the run being resumed ({root})")
