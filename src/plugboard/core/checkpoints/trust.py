"""What a saved config may build: a checkpoint is data, and never chooses what code runs.

`torch.load(weights_only=True)` reads a checkpoint without running code, but rebuilding a model
calls Hydra's `instantiate` on the config inside it, so the file would decide which callables
run, with which arguments. Before anything is built, `check_saved_config` walks every
`_target_` of the saved model and data configs, at any depth (`_partial_` ones called later and
`_args_` included), and lets through only:

- targets under a package this project's own config files name (`configs/**/*.yaml`: plugboard,
  torch, lightning, and any package of a family added as files), so nothing else is imported;
- that resolve to a *class* that is a subclass of what its place expects: the top-level `model`
  a `LightningModule`, `data` a `LightningDataModule`, anything nested an `nn.Module`, optimizer,
  learning-rate scheduler, torchmetrics `Metric`, Lightning module or DataModule; or a target
  named verbatim in this project's configs (a task generator, a data pipeline step). The
  saved metadata's targets (a pipeline's steps) pass the same check. `torch.save`,
  `torch.hub.load` or a file-writing helper are none of these, whatever package they sit in.

Values must be values: an interpolation (`${...}`, which would run a resolver) is refused, and
integers and list lengths are bounded so a crafted size cannot exhaust memory. A user trusts
their own package by naming its classes in a config file of the project (adding the family's
files does that); a file from elsewhere can never extend the list.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from plugboard.core.errors import PlugboardError
from plugboard.core.paths import CONFIG_DIR

MAX_INTEGER = 10_000_000  # sizes, counts and seeds in a saved model or data config
MAX_LIST_LENGTH = 2_000_000  # e.g. a vocabulary in the saved metadata


class UntrustedCheckpointError(PlugboardError, ValueError):
    """A saved config that asks for more than rebuilding a model of this project needs."""


def check_saved_config(config: Mapping[str, Any], metadata: Mapping[str, Any], source: str) -> None:
    """Raises UntrustedCheckpointError, before anything is imported or built, for anything else."""
    _check_values(metadata, "metadata", source)
    for key, target in _targets(metadata, "metadata"):  # e.g. a data pipeline's saved steps
        _check_target(target, key, None, source)
    for part, expected in (("model", "LightningModule"), ("data", "LightningDataModule")):
        node = config.get(part)
        if not isinstance(node, Mapping) or "_target_" not in node:
            raise UntrustedCheckpointError(f"{source}: the saved config has no {part} to rebuild ({part}).")
        _check_values(node, part, source)
        for key, target in _targets(node, part):
            _check_target(target, key, expected if key == f"{part}._target_" else None, source)


def _targets(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "_target_":
                yield f"{path}._target_", value
            else:
                yield from _targets(value, f"{path}.{key}")
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _targets(value, f"{path}[{index}]")


def _check_values(node: Any, path: str, source: str) -> None:
    if isinstance(node, str) and "${" in node:
        _refuse(
            source, path, node, "is an interpolation, which would run a resolver; saved configs hold values"
        )
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INTEGER:
        _refuse(source, path, node, f"is larger than {MAX_INTEGER:,}, more than any model here is built with")
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _check_values(value, f"{path}.{key}", source)
    elif isinstance(node, list | tuple):
        if len(node) > MAX_LIST_LENGTH:
            _refuse(source, path, f"a list of {len(node):,}", f"is longer than {MAX_LIST_LENGTH:,} entries")
        for index, value in enumerate(node):
            _check_values(value, f"{path}[{index}]", source)


def _check_target(target: Any, key: str, expected: str | None, source: str) -> None:
    if not isinstance(target, str) or target.split(".")[0] not in trusted_packages():
        _refuse(source, key, target, f"is outside the packages this project's configs name ({_listed()})")
    if target in named_targets() and expected is None:
        return
    from hydra.utils import get_object

    try:
        found = get_object(target)
    except Exception as error:  # the checkpoint may be older than a move: rebuild says how to convert
        raise UntrustedCheckpointError(
            f"{source}: {key}={target!r} does not exist in this version of the project ({error}). If the "
            "checkpoint was written before a module moved, `python scripts/convert_checkpoint.py "
            f"{source} <new.ckpt>` writes a copy with the current class paths."
        ) from None
    bases = _bases()
    allowed = (bases[expected],) if expected else tuple(bases.values())
    if not (inspect.isclass(found) and issubclass(found, allowed)):
        wanted = expected or "an nn.Module, optimizer, scheduler, metric, LightningModule or DataModule"
        _refuse(source, key, target, f"is not a {wanted} class")


def _refuse(source: str, key: str, value: Any, why: str) -> None:
    raise UntrustedCheckpointError(
        f"Refusing to rebuild from {source}: {key}={value!r} {why}. Nothing was imported or run. A saved "
        "file may only rebuild classes of this project's kind; if you wrote this target yourself, name "
        "it in a config file of the project (e.g. configs/model/<yours>.yaml) to trust it."
    )


@functools.cache
def named_targets() -> frozenset[str]:
    """Every `_target_` written in this project's own config files, in any YAML style (block or
    flow, `{_target_: ...}` inside a list included)."""
    import yaml

    found: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("_target_"), str):
                found.add(node["_target_"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in CONFIG_DIR.rglob("*.yaml"):
        collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    return frozenset(found)


@functools.cache
def trusted_packages() -> frozenset[str]:
    return frozenset(target.split(".")[0] for target in named_targets())


def _listed() -> str:
    return ", ".join(sorted(trusted_packages()))


@functools.cache
def _bases() -> dict[str, type]:
    import lightning as L
    import torch
    from torchmetrics import Metric

    return {
        "LightningModule": L.LightningModule,
        "LightningDataModule": L.LightningDataModule,
        "Module": torch.nn.Module,
        "Optimizer": torch.optim.Optimizer,
        "LRScheduler": torch.optim.lr_scheduler.LRScheduler,
        "ReduceLROnPlateau": torch.optim.lr_scheduler.ReduceLROnPlateau,
        "Metric": Metric,
    }


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
                _refuse(source, f"callbacks.{name}", path, f"points outside the run being resumed ({root})")
