"""Type checks of config values against the signatures of the classes they configure.

Hydra passes YAML values to constructors as they are, so `model.optimizer.lr=fast` would
fail deep inside training (or, worse, not at all). Checking each value against the
annotation of the parameter it feeds catches it before anything is built.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, Literal, Union

from hydra.utils import get_method

from plugboard.core.errors import ConfigError

PRIMITIVES = (bool, int, float, str, type(None))


def check_config_types(config: Mapping[str, Any], prefix: str = "") -> None:
    """Raises ConfigError for the first primitive value whose type its target's parameter rejects."""
    hints = _parameter_hints(config["_target_"]) if "_target_" in config else {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            check_config_types(value, prefix=f"{path}.")
        elif isinstance(value, PRIMITIVES) and key in hints and not _matches(value, hints[key]):
            raise ConfigError(
                f"Wrong type in the config: {path}={value!r} is a {type(value).__name__}, but "
                f"{config['_target_']} takes `{key}` as {_describe(hints[key])}. Fix the override on "
                f"the command line or the value in the config file."
            )


def _parameter_hints(target: str) -> dict[str, Any]:
    try:
        function = get_method(target)
        function = function.__init__ if inspect.isclass(function) else function
        return typing.get_type_hints(function)
    except Exception:  # unresolvable annotations: leave the values to the constructor
        return {}


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if origin is Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if inspect.isclass(hint) and issubclass(hint, PurePath):
        return isinstance(value, str)
    if inspect.isclass(origin):  # list[int], Iterable[str], Callable[..., X]
        return isinstance(value, origin)
    if inspect.isclass(hint) and hint is not object:
        return isinstance(value, hint)
    return True  # Any, object, type variables: nothing to judge


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(arg) for arg in typing.get_args(hint))
    return "None" if hint is type(None) else getattr(hint, "__name__", str(hint))
