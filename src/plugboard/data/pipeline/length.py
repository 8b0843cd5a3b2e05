"""A length filter: examples longer (or shorter) than the model should see are dropped."""

from __future__ import annotations

import dataclasses

from plugboard.data.pipeline.base import Example, Filter


@dataclasses.dataclass(frozen=True, kw_only=True)
class FilterLength(Filter):
    """Keeps examples whose every read side has `min_length` to `max_length` units (tokens after
    tokenisation, characters before); `max_length: null` sets no upper bound."""

    min_length: int = 1
    max_length: int | None = None

    def keep(self, example: Example) -> bool:
        upper = self.max_length
        return all(
            self.min_length <= len(v) and (upper is None or len(v) <= upper) for v in self.values(example)
        )
