"""A predicate filter that is plain data: keep the examples a regular expression matches."""

from __future__ import annotations

import dataclasses
import re

from plugboard.data.pipeline.base import Example, Filter


@dataclasses.dataclass(frozen=True, kw_only=True)
class KeepMatching(Filter):
    """Keeps examples whose read sides match `pattern` in full (tokens joined by spaces), e.g.
    CMUdict's words of letters and apostrophes, `[a-z']*[a-z][a-z']*`. A regular expression, not
    a Python callable, so a saved pipeline stays data that runs no code of its own."""

    pattern: str

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def keep(self, example: Example) -> bool:
        match = self._compiled.fullmatch
        return all(match(v if isinstance(v, str) else " ".join(v)) for v in self.values(example))
