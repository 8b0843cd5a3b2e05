"""A pipeline step: a list of (source, target) examples in, a list out; its arguments are plain data.

Like tf.data's `map`/`filter` or torchvision's `Compose`, a pipeline is an ordered list of small
steps. Each step is a frozen dataclass, so its fields are its arguments and `record()` writes it
as the `{_target_, **arguments}` a config (and a checkpoint) holds. `side` says which part of
an example a step reads: "source", "target" or "both". A value is text (a str) until a
`Tokenize` step turns it into tokens (a list of str); text transforms applied after that act on
each token. Most steps need only to subclass `Transform` (one value in, one out) or `Filter`
(keep an example or not).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from plugboard.core.config.annotation_judge import accepts, describe
from plugboard.core.errors import ConfigError

Side = Literal["source", "target", "both"]
Value = str | list[str]
Example = tuple[Value, Value]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Step:
    """One stage of a pipeline. Subclasses implement `__call__`."""

    side: Side = "both"
    #: Whether raw input at predict/serve time goes through this step too (filters: no).
    applies_to_inputs: ClassVar[bool] = True
    #: Whether the step's output is right by construction (else the pipeline checks every value).
    output_checked: ClassVar[bool] = False

    def __post_init__(self) -> None:
        check_arguments(self)

    def __call__(self, examples: list[Example]) -> list[Example]:
        raise NotImplementedError

    def record(self) -> dict[str, Any]:
        """The step as plain data: its `_target_` and arguments."""
        cls = type(self)
        arguments = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return {"_target_": f"{cls.__module__}.{cls.__qualname__}", **_lists_and_dicts(arguments)}

    def reads(self, part: str) -> bool:
        """Whether this step acts on `part` ("source" or "target") of an example."""
        return self.side in (part, "both")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Transform(Step):
    """Maps one text to another (`transform`); after tokenisation, each token."""

    output_checked: ClassVar[bool] = True  # every value `transform` returns is checked here

    def transform(self, text: str) -> str:
        raise NotImplementedError

    def __call__(self, examples: list[Example]) -> list[Example]:
        source, target = (self._mapper(part) for part in ("source", "target"))
        return [(source(example[0]), target(example[1])) for example in examples]

    def _mapper(self, part: str) -> Callable[[Value], Value]:
        if not self.reads(part):
            return _unchanged
        transform = self._checked_transform
        return lambda value: transform(value) if isinstance(value, str) else [transform(t) for t in value]

    def _checked_transform(self, text: str) -> str:
        result = self.transform(text)
        if type(result) is not str:
            raise TypeError(f"transform({text!r}) returned {result!r}, not text (a str)")
        return result


@dataclasses.dataclass(frozen=True, kw_only=True)
class Filter(Step):
    """Keeps the examples for which `keep(example)` is true."""

    applies_to_inputs: ClassVar[bool] = False
    output_checked: ClassVar[bool] = True  # it returns some of the examples it was given

    def keep(self, example: Example) -> bool:
        raise NotImplementedError

    def __call__(self, examples: list[Example]) -> list[Example]:
        return [example for example in examples if self.keep(example)]

    def values(self, example: Example) -> list[Value]:
        """The parts of `example` this filter reads."""
        return [value for part, value in zip(("source", "target"), example, strict=True) if self.reads(part)]


def _unchanged(value: Value) -> Value:
    return value


def check_arguments(step: Step) -> None:
    """One paragraph for an argument of the wrong kind (`max_length: "ten"`), before any data is read."""
    hints = typing.get_type_hints(type(step), include_extras=True)
    for field in dataclasses.fields(step):
        value, expected = getattr(step, field.name), hints[field.name]
        if not accepts(expected, value):
            raise ConfigError(
                f"{type(step).__name__}: {field.name}={value!r} must be {describe(expected)}. Set it in "
                f"the step's entry of data.pipeline (see configs/data/pipeline/ for each step's arguments)."
            )


def _lists_and_dicts(value: Any) -> Any:
    """A step's arguments as JSON-like data: tuples become lists, mapping keys strings."""
    if isinstance(value, typing.Mapping):
        return {str(key): _lists_and_dicts(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists_and_dicts(item) for item in value]
    return value
