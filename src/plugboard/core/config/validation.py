"""The whole config checked before anything is built, every problem reported at once.

Hydra passes YAML values to constructors as they are, so `model.optimizer.lr=-1` or
`data.batch_size=0` would fail deep inside training, or not at all. `find_problems` walks the
composed config once and judges every value:

- against the annotation of the parameter it feeds (the signature of the nearest `_target_`),
  and a key that is no parameter of a target that takes no `**kwargs` (or of any target, for the
  keys of `ranges.NAMED_ONLY` such as `data.folds`);
- against the ranges of `plugboard.core.config.ranges` (its table by parameter name, and any
  `Annotated[int, Ge(1)]` constraint in a constructor's own signature: how a model of your own
  declares its ranges);
- the top-level keys the entry point reads itself (`seed`, `ckpt_path`, `monitor.mode`, ...);
- `trainer.devices`, and with `on_this_machine` the GPUs and cores it asks of the machine the job
  runs on (`plugboard.core.config.devices`).

`check_config` turns the problems into one paragraph that names each key, its value, what it
must be and where it was set (`plugboard.core.config.provenance`). Sweeps are checked job by job before
the first job starts (`plugboard.core.config.preflight`).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hydra.utils import get_method
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from plugboard.core.config.annotation_judge import accepts, has_constraints, judgeable, must_be
from plugboard.core.config.devices import device_problems, machine_problems
from plugboard.core.config.provenance import Provenance
from plugboard.core.config.ranges import ENTRY_POINT_KEYS, NAMED_ONLY, constraint_for
from plugboard.core.errors import ConfigError
from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

SHOWN_PARAMETERS = 12
_ABSENT = object()


@dataclass(frozen=True)
class Problem:
    """One bad key: `{key}={value!r} {what}`, e.g. "data.batch_size=0 must be an integer >= 1"."""

    key: str
    value: Any
    what: str
    interpolation: str | None = None  # the `${...}` the value came through, if any

    def sentence(self, provenance: Provenance | None = None) -> str:
        copied = f" (as {self.interpolation})" if self.interpolation else ""
        source = provenance.of(self.key) if provenance is not None else ""
        return f"{self.key}={self.value!r}{copied} {self.what}" + (f", set by {source}" if source else "")


def check_config(
    cfg: DictConfig, entry_point: str | None = None, keys: Mapping[str, Any] | None = None
) -> None:
    """Raises one ConfigError listing every problem of `cfg` (see the module docstring).

    `keys`: the top-level keys the entry point reads itself, with their annotations (default: the
    core entry point's, `plugboard.core.config.ranges.ENTRY_POINT_KEYS`); a family's own entry point
    (export, serve) passes its own.
    """
    problems = find_problems(cfg, entry_point, keys, on_this_machine=True)
    if problems:
        provenance = Provenance.of_current_job()
        sentences = [problem.sentence(provenance) for problem in problems]
        raise ConfigError(problem_paragraph(sentences, entry_point))


def problem_paragraph(sentences: list[str], entry_point: str | None = None) -> str:
    """One paragraph of the sentences of `Problem.sentence`."""
    count = f"{len(sentences)} bad values" if len(sentences) > 1 else "a bad value"
    hint = " (`python train.py ... validate=true` checks a config without training)"
    return (
        f"The config has {count}, found before anything was built: {'; '.join(sentences)}. Fix each on "
        f"the command line or in the config file named{hint if entry_point == 'train' else ''}."
    )


def find_problems(
    cfg: DictConfig,
    entry_point: str | None = None,
    keys: Mapping[str, Any] | None = None,
    on_this_machine: bool = False,
) -> list[Problem]:
    """Every problem of `cfg`, in config order; its `hydra` node is left to Hydra. With
    `on_this_machine`, the devices it asks for are also judged against this machine."""
    problems: list[Problem] = []
    _check_node(cfg, "", problems)
    found = device_problems(cfg) + (machine_problems(cfg) if on_this_machine else [])
    said = {problem.key for problem in problems}
    problems += [Problem(key, value, what) for key, value, what in found if key not in said]
    keys = ENTRY_POINT_KEYS.get(entry_point or "", {}) if keys is None else keys
    for key, annotation in keys.items():
        value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False)
        if value is _ABSENT or isinstance(value, DictConfig | ListConfig) or accepts(annotation, value):
            continue
        if all(problem.key != key for problem in problems):  # not already said by the walk
            problems.append(Problem(key, value, must_be(annotation, value)))
    return problems


@dataclass(frozen=True)
class Parameters:
    hints: dict[str, Any]
    names: frozenset[str]
    takes_any: bool  # **kwargs


def _check_node(node: DictConfig, prefix: str, problems: list[Problem]) -> None:
    target = node.get("_target_") if "_target_" in node else None
    parameters = _parameters(target, f"{prefix}_target_", problems) if isinstance(target, str) else None
    for key in list(node):
        name, path = str(key), f"{prefix}{key}"
        if name.startswith("_") or (not prefix and name == "hydra"):
            continue
        try:
            value = node[key]
            plain = value if isinstance(value, DictConfig) else _resolved(value)
        except MissingMandatoryValue:
            problems.append(Problem(path, "???", "must be given (the config leaves it to you)"))
            continue
        except Exception as error:  # an interpolation that cannot be resolved
            problems.append(Problem(path, _raw(node, name), f"cannot be resolved: {error}"))
            continue
        if parameters is not None and name not in parameters.names:
            if name in NAMED_ONLY:
                problems.append(Problem(path, plain, f"is no parameter of {target}: {NAMED_ONLY[name]}"))
                continue
            if not parameters.takes_any:
                takes = ", ".join(sorted(parameters.names)[:SHOWN_PARAMETERS])
                problems.append(Problem(path, plain, f"is no parameter of {target} (it takes {takes})"))
                continue
        if isinstance(value, DictConfig):
            _check_node(value, f"{path}.", problems)
            continue
        hint = parameters.hints.get(name) if parameters is not None else None
        if hint is not None and not judgeable(hint):
            _say_once(f"{target}.{name}", f"its annotation {hint!r} is a type the config check cannot judge")
        interpolation = _raw(node, name) if OmegaConf.is_interpolation(node, name) else None
        if hint is not None and not accepts(hint, plain):
            problems.append(Problem(path, plain, must_be(hint, plain), interpolation))
            continue
        table = None if hint is not None and has_constraints(hint) else constraint_for(target, name)
        if table is not None and plain is not None and not accepts(table, plain):
            problems.append(Problem(path, plain, must_be(table, plain), interpolation))
        if isinstance(value, ListConfig):  # targets listed (pipeline steps): each judged as a node
            for index, item in enumerate(value):
                if isinstance(item, DictConfig) and "_target_" in item:
                    _check_node(item, f"{path}[{index}].", problems)


def _parameters(target: str, path: str, problems: list[Problem]) -> Parameters | None:
    """The parameters of `target` (a class: its constructor's), or None with a problem if it cannot be
    imported."""
    try:
        function = get_method(target)
    except Exception as error:
        cause = error.__cause__ or error
        problems.append(Problem(path, target, f"cannot be imported ({type(cause).__name__}: {cause})"))
        return None
    return _signature(function)


def parameters_of(function: Any) -> Parameters | None:
    """The parameters of a class's constructor (or a function): names, annotations, **kwargs."""
    return _signature(function)


def _signature(function: Any) -> Parameters | None:
    constructor = function.__init__ if inspect.isclass(function) else function
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to judge
        return None
    try:  # a dataclass's generated __init__ cannot resolve its annotations: the class can
        owner = function if dataclasses.is_dataclass(function) else constructor
        hints = typing.get_type_hints(owner, include_extras=True)
    except Exception as error:  # annotations that do not resolve: judge the names only
        name = f"{function.__module__}.{function.__qualname__}"
        _say_once(name, f"its annotations do not resolve ({type(error).__name__}: {error})")
        hints = {}
    kinds = [parameter.kind for parameter in signature.parameters.values()]
    return Parameters(
        hints={name: hint for name, hint in hints.items() if name != "return"},
        names=frozenset(signature.parameters),
        takes_any=inspect.Parameter.VAR_KEYWORD in kinds,
    )


_said: set[str] = set()


def _say_once(where: str, why: str) -> None:
    """A warning per parameter (or target) whose values go unchecked, the first time it is met."""
    if where not in _said:
        _said.add(where)
        log.warning(f"Not checking the config values of {where}: {why}. Annotate it with a concrete type.")


def _resolved(value: Any) -> Any:
    """A leaf value, or a list node as a resolved Python list (what the constructor receives)."""
    return (
        OmegaConf.to_container(value, resolve=True) if isinstance(value, DictConfig | ListConfig) else value
    )


def _raw(node: DictConfig, name: str) -> Any:
    """The value as written (`${model.hidden_size}`), not resolved."""
    return OmegaConf.to_container(node, resolve=False)[name]
