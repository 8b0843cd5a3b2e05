"""Config values judged against type annotations, and annotations said in words.

pydantic (`TypeAdapter`, strict mode) judges: "3" is not an integer, 1.0 is not an integer, true is
not a number, and inf and nan are no float a parameter can use (`lr=inf` would pass every range and
stop training at its first step); `annotated-types` constraints (`Ge(1)`, `Interval(ge=0, lt=1)`)
are enforced. A YAML list stands for a tuple, a string for a path.
"""

from __future__ import annotations

import collections.abc
import functools
import math
import re
import types
import typing
from pathlib import PurePath
from typing import Annotated, Any, Literal

import annotated_types as at
from annotated_types import Interval, Len
from pydantic import ConfigDict, TypeAdapter


def has_constraints(annotation: Any) -> bool:
    """True when `annotation` says more than a type (an `Annotated[...]` anywhere in it)."""
    if typing.get_origin(annotation) is Annotated:
        return True
    return any(has_constraints(argument) for argument in typing.get_args(annotation))


def judgeable(annotation: Any) -> bool:
    """Whether `accepts` can say anything about `annotation` (pydantic cannot judge a protocol, say)."""
    return _adapter(annotation) is not None


def accepts(annotation: Any, value: Any) -> bool:
    """Whether `value`, as YAML gives it, is what `annotation` asks for (a YAML list stands for a tuple).

    An annotation that cannot be judged (`judgeable` is False) accepts anything: the config check
    says so once per parameter, and the checkpoint trust check admits no saved target there.
    """
    adapter = _adapter(annotation)
    if adapter is None:
        return True
    candidates = [value, tuple(value)] if isinstance(value, list) else [value]
    for candidate in candidates:
        try:
            adapter.validate_python(candidate)
            return True
        except Exception:  # pydantic's ValidationError, or a validator of the type that raised
            continue
    return False


def admits_class(annotation: Any, cls: type, partial: bool = False) -> bool | None:
    """Whether what a `_target_` of class `cls` builds (an instance, or with `partial` a partial of
    the class) is what `annotation` asks for, judged from the class alone, never by building one.

    `Callable[..., C]` admits a partial of a subclass of C; a class annotation C admits an instance
    of a subclass of C, and a partial of one (a factory of Cs, as lightning-hydra-template passes an
    optimizer); `float` or `Literal[...]` admit no target. None when the annotation cannot say
    (`Any`, `object`, `Callable[..., Any]`, `functools.partial`, a TypeVar, a protocol).
    """
    if not judgeable(annotation):
        return None
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any or annotation is object or annotation is functools.partial:
        return None
    if origin is Annotated:
        return admits_class(arguments[0], cls, partial)
    if origin in (typing.Union, types.UnionType):
        verdicts = [admits_class(member, cls, partial) for member in arguments if member is not type(None)]
        return True if True in verdicts else None if None in verdicts else False
    if annotation is collections.abc.Callable or origin is collections.abc.Callable:
        returned = arguments[-1] if arguments else Any
        return admits_class(returned, cls) if partial else None
    if isinstance(annotation, type) and not isinstance(annotation, typing.TypeVar):
        try:
            return issubclass(cls, annotation)
        except TypeError:  # a protocol that cannot be checked at run time
            return None
    if origin in (Literal, type):
        return False
    if isinstance(origin, type):  # list[int], dict[str, Any]: the container class
        return issubclass(cls, origin)
    return None


def item_annotation(annotation: Any) -> Any:
    """What one item of a list (or one value of a mapping) annotated `annotation` may be; None
    when it does not say (`Sequence[Step | None] | None` -> `Step | None`)."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return item_annotation(arguments[0])
    if origin in (typing.Union, types.UnionType):
        items = [item_annotation(member) for member in arguments if member is not type(None)]
        items = [item for item in items if item is not None]
        return typing.Union[tuple(items)] if items else None  # noqa: UP007 (built from a tuple)
    if not isinstance(origin, type) or not arguments:
        return None
    if issubclass(origin, collections.abc.Mapping):
        return arguments[-1]
    if issubclass(origin, tuple) and not (len(arguments) == 2 and arguments[1] is Ellipsis):
        return typing.Union[arguments]  # noqa: UP007 (a fixed tuple: any of its item types)
    if issubclass(origin, collections.abc.Iterable):
        return arguments[0]
    return None


@functools.lru_cache(maxsize=1024)
def _adapter(annotation: Any) -> TypeAdapter | None:
    try:
        return TypeAdapter(_paths_as_strings(annotation), config=_STRICT)
    except Exception:
        return None


_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


def _paths_as_strings(annotation: Any) -> Any:
    """A path parameter takes a string from YAML."""
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return str | annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = tuple(_paths_as_strings(argument) for argument in typing.get_args(annotation))
        return typing.Union[arguments]  # noqa: UP007 (built from a tuple)
    return annotation


def must_be(annotation: Any, value: Any) -> str:
    """ "must be a float > 0"; for inf or nan, "must be a finite float > 0" (they are floats, so
    the plain words would not say what is wrong)."""
    said = describe(annotation)
    if isinstance(value, float) and not math.isfinite(value):
        said = re.sub(r"\bfloat", "finite float", said)
    return f"must be {said}"


def describe(annotation: Any) -> str:
    """`Annotated[int, Ge(1)]` -> "an integer >= 1", `Literal["min", "max"]` -> "one of 'min', 'max'"."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        limits = [_describe_limit(limit) for limit in annotation.__metadata__]
        return " ".join([describe(arguments[0]), *filter(None, limits)])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(argument) for argument in arguments)
    if origin is Literal:
        return "one of " + ", ".join(repr(argument) for argument in arguments)
    if origin is collections.abc.Callable:  # Callable[..., Encoder]
        return f"a callable returning {describe(arguments[-1])}" if arguments else "a callable"
    if origin in (dict, collections.abc.Mapping) and len(arguments) == 2:  # dict[str, str]
        return f"a mapping of {_plural(describe(arguments[0]))} to {_plural(describe(arguments[1]))}"
    if origin is not None and arguments:  # list[int], tuple[float, float], Sequence[...]
        items = [_plural(describe(argument)) for argument in arguments if argument is not Ellipsis]
        return f"a list of {' and '.join(dict.fromkeys(items))}"
    return _NAMES.get(annotation, f"a {getattr(annotation, '__name__', annotation)}")


_NAMES = {
    int: "an integer",
    float: "a float",
    bool: "true or false",
    str: "a string",
    type(None): "null",
    list: "a list",
    dict: "a mapping",
    typing.Any: "anything",
}


def _plural(description: str) -> str:
    """ "an integer >= 1" -> "integers >= 1" """
    article, _, rest = description.partition(" ")
    if article not in ("a", "an") or not rest:
        return description
    noun, _, limits = rest.partition(" ")
    return f"{noun}s {limits}".strip()


def _describe_limit(limit: Any) -> str:
    if isinstance(limit, Interval):
        if limit.ge is None and limit.gt is None or limit.le is None and limit.lt is None:
            return " and ".join(_describe_limit(bound) for bound in limit)
        low = f"[{limit.ge}" if limit.ge is not None else f"({limit.gt}"
        high = f"{limit.le}]" if limit.le is not None else f"{limit.lt})"
        return f"in {low}, {high}"
    if isinstance(limit, Len):
        high = limit.max_length
        return (
            f"of length {limit.min_length}"
            if high == limit.min_length
            else f"of length >= {limit.min_length}"
        )
    if isinstance(limit, at.Predicate):  # its function's docstring says what it asks for
        return f"({(limit.func.__doc__ or limit.func.__name__).strip().splitlines()[0]})"
    symbols = {at.Gt: ">", at.Ge: ">=", at.Lt: "<", at.Le: "<="}
    for kind, symbol in symbols.items():
        if isinstance(limit, kind):
            return f"{symbol} {getattr(limit, kind.__name__.lower())}"
    return str(limit)
