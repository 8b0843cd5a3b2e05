"""What a config value must be, said once as a type: `Annotated[int, Ge(1)]` is "an integer >= 1".

Values are judged by pydantic (`TypeAdapter`, strict: "3" is not an integer, 1.0 is not an
integer, true is not a number) against `annotated-types` constraints. Three sources, all checked:

- the annotation of the parameter a value feeds (`_target_`'s signature). A constructor of your own
  declares its ranges there, and nothing else needs editing:
  `def __init__(self, hidden_size: Annotated[int, Ge(1)], dropout: Annotated[float, Interval(ge=0, lt=1)])`;
- `BY_NAME` below, for the parameters users set most, since third-party constructors carry no
  ranges (`torch.optim.Adam(lr: float)`). It applies to a key of that name anywhere in the config
  (`"<target>.<name>"` for one target only), except where the parameter's own annotation has
  constraints;
- `ENTRY_POINT_KEYS`: the top-level keys each entry point reads itself.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Sequence
from pathlib import PurePath
from typing import Annotated, Any, Literal

import annotated_types as at
from annotated_types import Ge, Gt, Interval, Len
from pydantic import ConfigDict, TypeAdapter

PositiveInt = Annotated[int, Ge(1)]
Count = Annotated[int, Ge(0)]
Rate = Annotated[float, Gt(0)]
Fraction = Annotated[float, Interval(ge=0, le=1)]
# Keeps something of every unit: a dropout of 1 zeros the whole layer.
Dropout = Annotated[float, Interval(ge=0, lt=1)]
# An int counts batches, a float is a share of them (Lightning's limit_*_batches, overfit_batches).
BatchesOrFraction = Count | Fraction
Seed = Annotated[int, Interval(ge=0, le=2**32 - 1)]  # the range Lightning's seed_everything accepts

BY_NAME: dict[str, Any] = {
    # optimisers and schedulers
    "lr": Rate,
    "learning_rate": Rate,
    "max_lr": Rate,
    "eps": Rate,
    "weight_decay": Annotated[float, Ge(0)],
    "momentum": Fraction,
    "betas": Annotated[Sequence[Annotated[float, Interval(ge=0, lt=1)]], Len(2, 2)],
    "torch.optim.lr_scheduler.ReduceLROnPlateau.factor": Annotated[float, Interval(gt=0, lt=1)],
    # data
    "batch_size": PositiveInt,
    "num_workers": Count,
    "val_fraction": Fraction,
    "test_fraction": Fraction,
    "seed": Seed,
    # model sizes and regularisation
    "hidden_size": PositiveInt,
    "embedding_size": PositiveInt,
    "embedding_dim": PositiveInt,
    "num_layers": PositiveInt,
    "num_heads": PositiveInt,
    "nhead": PositiveInt,
    "dim_feedforward": PositiveInt,
    "dropout": Dropout,
    "label_smoothing": Fraction,
    "beam_size": PositiveInt,
    # trainer (-1: no limit)
    "max_epochs": Annotated[int, Ge(-1)],
    "min_epochs": Count,
    "max_steps": Annotated[int, Ge(-1)],
    "min_steps": Count,
    "limit_train_batches": BatchesOrFraction,
    "limit_val_batches": BatchesOrFraction,
    "limit_test_batches": BatchesOrFraction,
    "limit_predict_batches": BatchesOrFraction,
    "overfit_batches": BatchesOrFraction,
    "accumulate_grad_batches": PositiveInt,
    "gradient_clip_val": Annotated[float, Ge(0)],
    "check_val_every_n_epoch": PositiveInt,
    "num_nodes": PositiveInt,
    # callbacks
    "patience": Count,
}

# The keys an entry point reads itself; ranges of these names come from BY_NAME as well.
_RUN_KEYS = {"task_name": str, "tags": list | None, "ckpt_path": str | None}
ENTRY_POINT_KEYS: dict[str, dict[str, Any]] = {
    "train": {
        **_RUN_KEYS,
        "seed": int,
        "train": bool,
        "test": bool,
        "validate": bool,
        "optimized_metric": str | None,
        "monitor.metric": str,
        "monitor.mode": Literal["min", "max"],
    },
    "eval": {**_RUN_KEYS, "ckpt_path": str},
    "predict": {
        **_RUN_KEYS,
        "ckpt_path": str,
        "inputs": list | None,
        "inputs_file": str | None,
        "text_predictor": str,
        "heatmaps": bool,
        "device": str,
    },
}


def constraint_for(target: str | None, name: str) -> Any | None:
    """The table's annotation for parameter `name` of `target`, if any."""
    return BY_NAME.get(f"{target}.{name}", BY_NAME.get(name))


def has_constraints(annotation: Any) -> bool:
    """True when `annotation` says more than a type (an `Annotated[...]` anywhere in it)."""
    if typing.get_origin(annotation) is Annotated:
        return True
    return any(has_constraints(argument) for argument in typing.get_args(annotation))


def accepts(annotation: Any, value: Any) -> bool:
    """Whether `value`, as YAML gives it, is what `annotation` asks for (a YAML list stands for a tuple)."""
    adapter = _adapter(annotation)
    if adapter is None:
        return True  # a type pydantic cannot judge (a protocol, a type variable): nothing to say
    candidates = [value, tuple(value)] if isinstance(value, list) else [value]
    for candidate in candidates:
        try:
            adapter.validate_python(candidate)
            return True
        except Exception:  # pydantic's ValidationError, or a validator of the type that raised
            continue
    return False


@functools.lru_cache(maxsize=1024)
def _adapter(annotation: Any) -> TypeAdapter | None:
    try:
        return TypeAdapter(_paths_as_strings(annotation), config=_STRICT)
    except Exception:
        return None


_STRICT = ConfigDict(strict=True, arbitrary_types_allowed=True)


def _paths_as_strings(annotation: Any) -> Any:
    """A path parameter takes a string from YAML."""
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return str | annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = tuple(_paths_as_strings(argument) for argument in typing.get_args(annotation))
        return typing.Union[arguments]  # noqa: UP007 (built from a tuple)
    return annotation


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
    if origin is not None and arguments:
        items = [describe(argument) for argument in arguments if argument is not Ellipsis]
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
    symbols = {at.Gt: ">", at.Ge: ">=", at.Lt: "<", at.Le: "<="}
    for kind, symbol in symbols.items():
        if isinstance(limit, kind):
            return f"{symbol} {getattr(limit, kind.__name__.lower())}"
    return str(limit)
