"""Duplicate removal: an example seen before (on the sides read) is dropped; the first one stays."""

from __future__ import annotations

import dataclasses

from plugboard.data.pipeline.base import Example, Filter


@dataclasses.dataclass(frozen=True, kw_only=True)
class DropDuplicates(Filter):
    """With `side: both` an exact repeat of (source, target) goes; with `side: source` every later
    example with an already-seen source goes, whatever its target."""

    def __call__(self, examples: list[Example]) -> list[Example]:
        seen, kept = set(), []
        for example in examples:
            key = tuple(value if isinstance(value, str) else tuple(value) for value in self.values(example))
            if key not in seen:
                seen.add(key)
                kept.append(example)
        return kept
