"""Warm start: a new run whose model starts from another run's weights (`init_from=<checkpoint>`).

Unlike resuming (`ckpt_path`), the run is new: its own run dir, epoch 0, a fresh optimizer and
scheduler; only weights are taken. The checkpoint is read as eval reads one (`load_checkpoint`,
then `check_saved_config`: nothing in the file chooses what code runs). What is taken:

- every weight, or those whose names start with one of `init_only` (`[encoder]` takes
  `encoder.*`); a weight of the checkpoint this model lacks, or one of the model the checkpoint
  lacks, is reported, never an error, as long as some weight was taken;
- a weight whose shape differs is refused with the names of all such weights, except with
  `init_metadata=extend`: the data then start from the checkpoint's vocabulary and labels and
  append what is new (`plugboard.core.handoff`), so a weight that grew along its first
  dimension only (embedding rows, output rows) gets the checkpoint's rows first, and its new
  rows keep their fresh initial values.

The data the model is built from (the metadata entries its constructor takes: a vocabulary,
labels) must be the checkpoint's: with `init_metadata=same` (the default) other entries are
refused with what differs, since equal shapes do not make equal meanings (a vocabulary in
another order has the same size).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from plugboard.core.errors import ConfigError
from plugboard.core.handoff import METADATA_KEY, taken_by
from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

SAME, EXTEND = "same", "extend"


@dataclass(frozen=True)
class Source:
    """The checkpoint a run starts from: its weights and the metadata its model was built from."""

    path: str
    state_dict: Mapping[str, Any]
    metadata: Mapping[str, Any]

    def model_metadata(self, model_config: DictConfig) -> dict[str, Any]:
        """The saved metadata entries the model's constructor takes (what shapes the model)."""
        return taken_by(model_config, self.metadata)


@dataclass
class Report:
    """What a warm start took, for the log and run_info.json."""

    path: str
    taken: list[str] = field(default_factory=list)
    grown: dict[str, list[list[int]]] = field(default_factory=dict)  # name: [saved shape, shape here]
    missing: list[str] = field(default_factory=list)  # here, not taken: they keep their fresh values
    unexpected: list[str] = field(default_factory=list)  # in the checkpoint, not in this model
    left_out: int = 0  # weights of the checkpoint outside `init_only`
    frozen: list[str] = field(default_factory=list)

    def paragraph(self) -> str:
        parts = [f"Starting from the weights of {self.path}: took {len(self.taken)} weights"]
        if self.left_out:
            parts.append(f"left out {self.left_out} by init_only")
        if self.grown:
            rows = [f"{name} {old[0]} -> {new[0]}" for name, (old, new) in self.grown.items()]
            parts.append(f"grown with new rows untrained: {_names(rows)}")
        if self.missing:
            parts.append(f"not in the checkpoint, so untrained: {_names(self.missing)}")
        if self.unexpected:
            parts.append(f"in the checkpoint but not in this model, so unused: {_names(self.unexpected)}")
        if self.frozen:
            parts.append(f"frozen: {', '.join(self.frozen)}")
        return "; ".join(parts) + "."

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "taken": len(self.taken),
            "left_out": self.left_out,
            "grown": self.grown,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "frozen": self.frozen,
        }


def read_source(path: str) -> Source:
    """The checkpoint at `path`, read and judged as eval reads one."""
    import torch

    from plugboard.core.checkpoints.load import CheckpointError, load_checkpoint
    from plugboard.core.checkpoints.trust import check_saved_config

    checkpoint = load_checkpoint(path)
    metadata = checkpoint.get(METADATA_KEY) or {}
    check_saved_config(checkpoint["config"], metadata, path)
    state_dict = checkpoint["state_dict"]
    if not isinstance(state_dict, Mapping) or not all(
        isinstance(name, str) and isinstance(value, torch.Tensor) for name, value in state_dict.items()
    ):
        raise CheckpointError(f"init_from={path}: its state_dict is not a mapping of names to tensors.")
    return Source(path, state_dict, metadata)


def check_same_metadata(source: Source, saved: Mapping[str, Any], here: Mapping[str, Any]) -> None:
    """Refuses data whose model-shaping metadata (`saved`: the checkpoint's entries the model takes)
    differ from what this run's data gives (`here`), naming what differs."""
    differences = [
        _difference(name, saved[name], here.get(name)) for name in saved if saved[name] != here.get(name)
    ]
    if differences:
        raise ConfigError(
            f"init_from={source.path}: this run's data differ from what that model was built from: "
            f"{'; '.join(differences)}. Its weights would be read with other meanings. Train on data "
            "with the same vocabulary and labels, or pass init_metadata=extend: the data then keep "
            "the checkpoint's entries in their order and append the new ones, whose rows of the "
            "weights start untrained (docs/checkpoints.md, 'Start from trained weights')."
        )


def load_weights(model: Any, source: Source, only: Sequence[str] = (), allow_grown: bool = False) -> Report:
    """Copies the checkpoint's weights into `model` as the module docstring says."""
    report = Report(source.path)
    own = model.state_dict()  # detached views of the model's own tensors: copied into in place
    chosen = {name: tensor for name, tensor in source.state_dict.items() if _under(name, only)}
    report.left_out = len(source.state_dict) - len(chosen)
    report.unexpected = sorted(set(chosen) - set(own))
    report.missing = sorted(name for name in own if name not in chosen and _under(name, only))
    mismatched = []
    for name in sorted(set(chosen) & set(own)):
        saved, target = chosen[name], own[name]
        if saved.shape == target.shape:
            target.copy_(saved)
        elif allow_grown and _grew_along_first(saved.shape, target.shape):
            target[: saved.shape[0]].copy_(saved)
            report.grown[name] = [list(saved.shape), list(target.shape)]
        else:
            mismatched.append(f"{name} is {list(saved.shape)} there, {list(target.shape)} here")
            continue
        report.taken.append(name)
    if mismatched:
        raise ConfigError(
            f"init_from={source.path}: {len(mismatched)} weights do not fit this model: "
            f"{_names(mismatched)}. Build the model with the checkpoint's sizes (its run dir's "
            ".hydra/overrides.yaml), or take only the parts that fit with init_only=[<name prefix>, ...]."
        )
    if not report.taken:
        under = f" under {', '.join(only)}" if only else ""
        raise ConfigError(
            f"init_from={source.path}: no weight of the checkpoint{under} is in this model (it has "
            f"{_names(sorted(own))}; the checkpoint {_names(sorted(source.state_dict))}). "
            "Check init_only, or start from a checkpoint of this kind of model."
        )
    return report


def freeze(model: Any, names: Sequence[str]) -> list[str]:
    """Stops the parameters of each named submodule (`encoder`, `decoder.attention`) from training."""
    frozen = []
    for name in names:
        try:
            module = model.get_submodule(name)
        except AttributeError:
            children = [child for child, _ in model.named_children()]
            raise ConfigError(
                f"freeze=[{name}]: {type(model).__name__} has no submodule {name!r}; its modules are "
                f"{', '.join(children) or 'none'} (name nested ones with dots, e.g. encoder.rnn)."
            ) from None
        for parameter in module.parameters():
            parameter.requires_grad_(False)
        frozen.append(name)
    return frozen


def _under(name: str, prefixes: Sequence[str]) -> bool:
    return not prefixes or any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _grew_along_first(saved: Sequence[int], here: Sequence[int]) -> bool:
    return len(saved) == len(here) >= 1 and saved[1:] == here[1:] and saved[0] < here[0]


def _difference(name: str, saved: Any, here: Any) -> str:
    if isinstance(saved, list) and isinstance(here, list):
        new = [item for item in here if item not in saved]
        gone = [item for item in saved if item not in here]
        if not new and not gone:
            return f"{name} has the same {len(saved)} entries in another order"
        said = [f"{len(new)} new here ({_names(map(repr, new))})"] if new else []
        said += [f"{len(gone)} absent here ({_names(map(repr, gone))})"] if gone else []
        return f"{name}: {', '.join(said)}"
    return f"{name} was {saved!r}, is {here!r} here"


def _names(names: Any, shown: int = 6) -> str:
    names = list(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(str(name) for name in names[:shown]) + more


def warm_start_source(cfg: DictConfig, resume_from: str | None) -> Source | None:
    """The checkpoint `init_from` names, read; None without one, or when the run resumes
    (`ckpt_path`): a resumed warm-started run goes on from its own checkpoint."""
    path = cfg.get("init_from")
    if not path:
        return None
    if resume_from:
        log.info(f"Resuming from {resume_from}: init_from={path} was read when this run started, not again")
        return None
    return read_source(str(path))


def handed_metadata(cfg: DictConfig, source: Source | None, resume_from: str | None) -> dict[str, Any]:
    """What this run's DataModule is given: with `init_metadata=extend`, the model-shaping entries
    of the checkpoint it starts (or, resumed, goes on) from, so that its ids keep their meaning."""
    if cfg.get("init_metadata", SAME) != EXTEND or not cfg.get("init_from"):
        return {}
    if source is None and resume_from:
        source = read_source(resume_from)
    return source.model_metadata(cfg.model) if source else {}


def start_from(
    model: Any, source: Source | None, cfg: DictConfig, metadata: Mapping[str, Any], output_dir: Path
) -> None:
    """Loads the warm start's weights and freezes `freeze`; says what it took in the log and in
    run_info.json (`init_from`). Freezing holds for a resumed run too: it is not saved."""
    from plugboard.core.job.record import add_to_run_info

    frozen = freeze(model, list(cfg.get("freeze") or []))
    if source is None:
        if frozen:
            log.info(f"Frozen: {', '.join(frozen)}")
        return
    extend = cfg.get("init_metadata", SAME) == EXTEND
    saved, here = source.model_metadata(cfg.model), taken_by(cfg.model, metadata)
    if extend:
        check_kept_first(source, saved, here)
    else:
        check_same_metadata(source, saved, here)
    report = load_weights(model, source, list(cfg.get("init_only") or []), allow_grown=extend)
    report.frozen = frozen
    log.info(report.paragraph())
    add_to_run_info(output_dir, "init_from", report.record())


def check_kept_first(source: Source, saved: Mapping[str, Any], here: Mapping[str, Any]) -> None:
    """With `extend`, each list the model was built from must open this run's: a DataModule that
    ignored the given entries would renumber them, and the weights' rows would change meaning."""
    for name, entries in saved.items():
        mine = here.get(name)
        if isinstance(entries, list) and not (isinstance(mine, list) and mine[: len(entries)] == entries):
            raise ConfigError(
                f"init_from={source.path} with init_metadata=extend: this run's {name} does not start "
                f"with the checkpoint's {len(entries)} entries in their order, so the weights' rows would "
                f"be read with other meanings. Its DataModule must take `{name}` and append new entries "
                "after the given ones (docs/checkpoints.md, 'Start from trained weights')."
            )
        if not isinstance(entries, list) and entries != mine:
            raise ConfigError(
                f"init_from={source.path}: this run's {name} is {mine!r}, the checkpoint's {entries!r}; "
                "only lists (a vocabulary, labels) can be extended."
            )
