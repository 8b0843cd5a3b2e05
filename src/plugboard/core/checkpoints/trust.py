"""What a saved config may build: a checkpoint is data, and never chooses what code runs.

`torch.load(weights_only=True)` reads a checkpoint without running code, but rebuilding a model
calls Hydra's `instantiate` on the config inside it, so the file would decide which callables
run, with which arguments. Before anything is built, `check_saved_config` judges every `_target_`
of the saved model and data configs and of the saved metadata, at any depth (`_partial_` ones
called later, list items and `_args_` included), by its position and its type:

- its package must be one this project's own config files name (plugboard, torch, lightning, a
  family added as files): importing an arbitrary module already runs code;
- the top-level `model` must be a LightningModule class, `data` a LightningDataModule class;
- any other target is an argument of the target above it, and is accepted only where
  (a) that parameter's annotation admits what it builds, judged from the class alone by the
  annotation judge config validation uses (`plugboard.core.config.annotation_judge.admits_class`:
  `encoder: Callable[..., Encoder]` admits a partial of an Encoder, `label_smoothing: float` no
  target at all), or (b) the parameter is unannotated (or its annotation cannot be judged) and a
  config file of this project puts that same target at that same config path
  (`plugboard.core.checkpoints.positions`). A function is accepted only where (a) admits the class
  it declares it returns, or (b) holds for it.

Values must be values: an interpolation (`${...}`, which would run a resolver) is refused
anywhere in the saved config, and integers and list lengths are bounded so a crafted size cannot
exhaust memory. A user trusts their own package by naming its classes in a config file of the
project (adding the family's files does that); a file from elsewhere can never extend the list.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Mapping
from typing import Any

from plugboard.core.checkpoints.bounds import excerpt
from plugboard.core.checkpoints.positions import position, project_targets
from plugboard.core.checkpoints.saved_values import (  # noqa: F401 (MAX_INTEGER, check_saved_paths: public here too)
    MAX_INTEGER,
    UntrustedCheckpointError,
    check_saved_paths,
    check_values,
    refuse,
)

_UNKNOWN = object()


def check_saved_config(config: Mapping[str, Any], metadata: Mapping[str, Any], source: str) -> None:
    """Raises UntrustedCheckpointError, before anything is built, for anything else."""
    check_values(config, "", source)
    check_values(metadata, "metadata", source)
    owners = {}
    for part, expected in (("model", "LightningModule"), ("data", "LightningDataModule")):
        node = config.get(part)
        if not isinstance(node, Mapping) or "_target_" not in node:
            refuse(source, part, node, f"is not a config with a _target_, so there is no {part} to rebuild")
        owners[part] = _trusted_object(node["_target_"], f"{part}._target_", source)
        if not (inspect.isclass(owners[part]) and issubclass(owners[part], _bases()[expected])):
            refuse(source, f"{part}._target_", node["_target_"], f"is not a {expected} class")
        _check_arguments(node, owners[part], part, source)
    for name, value in metadata.items():  # each entry becomes a keyword argument of model and data
        takers = [part for part, owner in owners.items() if _takes(owner, name)]
        for part in takers:
            _check_argument(value, owners[part], name, f"{part}.{name}", source, shown=f"metadata.{name}")
        if not takers:
            _check_argument(value, None, name, f"metadata.{name}", source)


def _check_arguments(node: Mapping[str, Any], owner: Any, path: str, source: str) -> None:
    """Each argument of the node `owner` (a class or function) is built from."""
    for key, value in node.items():
        if key == "_args_" and isinstance(value, list):
            for index, item in enumerate(value):
                _check_argument(item, owner, index, f"{path}._args_[{index}]", source)
        elif not str(key).startswith("_"):
            _check_argument(value, owner, str(key), f"{path}.{key}", source)


def _check_argument(
    value: Any,
    owner: Any,
    parameter: str | int,
    path: str,
    source: str,
    annotation: Any = _UNKNOWN,
    shown: str | None = None,
) -> None:
    """A value given to `parameter` of `owner`; inside lists and mappings, each item."""
    if annotation is _UNKNOWN:
        annotation = annotation_of(owner, parameter)
    if isinstance(value, Mapping) and "_target_" in value:
        _check_target_node(value, annotation, owner, parameter, path, source, shown or path)
    elif isinstance(value, Mapping | list | tuple):
        from plugboard.core.config.annotation_judge import item_annotation

        item = item_annotation(annotation) if annotation is not None else None
        pairs = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, child in pairs:
            place = f"[{key}]" if isinstance(key, int) else f".{key}"
            shown_child = f"{shown}{place}" if shown else None
            _check_argument(child, owner, parameter, f"{path}{place}", source, item, shown_child)


def _check_target_node(
    node: Mapping[str, Any],
    annotation: Any,
    owner: Any,
    parameter: str | int,
    path: str,
    source: str,
    shown: str,
) -> None:
    target = node["_target_"]
    found = _trusted_object(target, f"{shown}._target_", source)
    verdict = _verdict(found, annotation, node.get("_partial_") is True)
    where = _parameter_name(owner, parameter)
    if verdict is False:
        from plugboard.core.config.annotation_judge import describe

        refuse(
            source,
            f"{shown}._target_",
            target,
            f"builds {_kind(found, node)}, where {where} is annotated {describe(annotation)}, which "
            "admits no such object",
        )
    if verdict is None and target not in project_targets().get(position(path), frozenset()):
        why = (
            "has no annotation"
            if annotation is None
            else f"has an annotation the check cannot judge ({annotation!r})"
        )
        refuse(
            source,
            f"{shown}._target_",
            target,
            f"is given to {where}, which {why}, and no config file of this project puts {target} at "
            f"{position(path)}. Annotate {where} with the type it takes (e.g. `net: torch.nn.Module`, "
            "`optimizer: Callable[..., torch.optim.Optimizer]`), or name the target at that place in a "
            "config file of the project",
        )
    _check_arguments(node, found, path, source)


def _verdict(found: Any, annotation: Any, partial: bool) -> bool | None:
    """(a): whether the annotation admits what the node builds; None: it cannot say, (b) decides."""
    from plugboard.core.config.annotation_judge import admits_class

    if annotation is None:
        return None
    if inspect.isclass(found):
        return admits_class(annotation, found, partial)
    returned = _return_class(found)
    if returned is None:  # a function that declares no class: only (b) may admit it
        return None if admits_class(annotation, object, partial) is None else False
    return admits_class(annotation, returned, partial)


def _return_class(function: Any) -> type | None:
    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:  # annotations that do not resolve
        return None
    return returned if inspect.isclass(returned) and returned is not type(None) else None


def annotation_of(owner: Any, parameter: str | int) -> Any:
    """The annotation of `parameter` (a name, or a position of `_args_`) of `owner`, looked up in
    the classes a `**kwargs` constructor hands it to; None when unannotated or unknown."""
    from plugboard.core.config.validation import parameters_of

    if owner is None:
        return None
    candidates = inspect.getmro(owner) if inspect.isclass(owner) else (owner,)
    for candidate in candidates:
        if candidate is object:
            break
        found = parameters_of(candidate)
        if found is None:
            return None
        name = _positional_name(candidate, parameter) if isinstance(parameter, int) else parameter
        if name in found.names:
            return found.hints.get(name)
        if not found.takes_any:
            return None
    return None


def _positional_name(owner: Any, index: int) -> str | None:
    try:
        signature = inspect.signature(owner)
    except (TypeError, ValueError):
        return None
    names = [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.kind
        in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD, parameter.VAR_POSITIONAL)
    ]
    return names[min(index, len(names) - 1)] if names else None


def _takes(owner: Any, name: str) -> bool:
    from plugboard.core.handoff import _takes as takes_keyword

    return takes_keyword({"_target_": f"{owner.__module__}.{owner.__qualname__}"}, name)


def _parameter_name(owner: Any, parameter: str | int) -> str:
    owner_name = (
        getattr(owner, "__qualname__", "the metadata hand-off") if owner is not None else "no parameter"
    )
    return (
        f"`{owner_name}`'s argument {parameter}"
        if isinstance(parameter, int)
        else f"{owner_name}.{parameter}"
    )


def _kind(found: Any, node: Mapping[str, Any]) -> str:
    name = f"{found.__module__}.{getattr(found, '__qualname__', found)}"
    if node.get("_partial_") is True:
        return f"a partial of {name}"
    return f"a {name}" if inspect.isclass(found) else f"whatever {name}() returns"


def _trusted_object(target: Any, key: str, source: str) -> Any:
    """The class or function `target` names, imported only from a package the project's configs name."""
    if not isinstance(target, str) or target.split(".")[0] not in trusted_packages():
        refuse(source, key, target, f"is outside the packages this project's configs name ({_listed()})")
    from hydra.utils import get_object

    try:
        return get_object(target)
    except Exception as error:  # the checkpoint may be older than a move: rebuild says how to convert
        raise UntrustedCheckpointError(
            f"Refusing to rebuild from {source}: {key}={excerpt(target)} does not exist in this version of "
            f"the project ({str(error).splitlines()[0][:200]}). If "
            "the checkpoint was written before a module moved, `python scripts/convert_checkpoint.py "
            f"{source} <new.ckpt>` writes a copy with the current class paths."
        ) from None


@functools.cache
def named_targets() -> frozenset[str]:
    """Every `_target_` written in this project's own config files (any YAML style)."""
    return frozenset(target for targets in project_targets().values() for target in targets)


@functools.cache
def trusted_packages() -> frozenset[str]:
    return frozenset(target.split(".")[0] for target in named_targets())


def _listed() -> str:
    return ", ".join(sorted(trusted_packages()))


@functools.cache
def _bases() -> dict[str, type]:
    import lightning as L

    return {"LightningModule": L.LightningModule, "LightningDataModule": L.LightningDataModule}
