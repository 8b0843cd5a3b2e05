"""Tokenisation: text becomes the tokens the vocabulary is built from, and model outputs text again."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar, Literal

from plugboard.data.pipeline.base import Example, Step, Value

SEPARATORS = {"characters": "", "whitespace": " "}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tokenize(Step):
    """`split="characters"`: every character is a token (spaces too); `"whitespace"`: runs of
    whitespace separate tokens. `join` is the way back, for a model's outputs ("".join / " ".join)."""

    split: Literal["characters", "whitespace"] = "characters"
    output_checked: ClassVar[bool] = True  # str in, list of str out (or an error)

    def __call__(self, examples: list[Example]) -> list[Example]:
        source = self.tokenize if self.reads("source") else _same
        target = self.tokenize if self.reads("target") else _same
        return [(source(example[0]), target(example[1])) for example in examples]

    def tokenize(self, value: Value) -> list[str]:
        if not isinstance(value, str):
            raise TypeError(f"{value!r} is already tokens: an earlier step tokenised it")
        return list(value) if self.split == "characters" else value.split()

    def join(self, tokens: Sequence[str]) -> str:
        return SEPARATORS[self.split].join(tokens)


def _same(value: Value) -> Value:
    return value
