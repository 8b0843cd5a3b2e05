"""A predicate filter that is plain data: keep the examples a regular expression matches.

Patterns run on RE2 (`google-re2`), whose matching time is linear in the text: a pattern
such as `((\\d| )+)+x`, which makes Python's backtracking `re` run for hours on a line of
digits, is harmless here, whether it comes from a config or from a checkpoint's saved
pipeline. What RE2 leaves out (backreferences, lookaround) is refused by the config check,
before anything is trained, so no model trains with a pipeline that could not be loaded.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Annotated

from annotated_types import Predicate

from plugboard.data.pipeline.base import Example, Filter


def compiled(pattern: str):  # noqa: ANN201 (re2's compiled pattern)
    """`pattern` compiled by RE2 (linear-time matching); raises `re2.error` for what RE2 cannot run."""
    return _compile(pattern)


@functools.lru_cache(maxsize=256)
def _compile(pattern: str):  # noqa: ANN202
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is raised, and said once by whoever catches it
    return re2.compile(pattern, options)


def runs_in_linear_time(pattern: str) -> bool:
    """a regular expression RE2 runs in linear time: no backreferences or lookaround"""
    try:
        compiled(pattern)
    except Exception:  # re2.error, or a pattern that is not text
        return False
    return True


@dataclasses.dataclass(frozen=True, kw_only=True)
class KeepMatching(Filter):
    """Keeps examples whose read sides match `pattern` in full (tokens joined by spaces), e.g.
    CMUdict's words of letters and apostrophes, `[a-z']*[a-z][a-z']*`. A regular expression, not
    a Python callable, so a saved pipeline stays data that runs no code of its own."""

    pattern: Annotated[str, Predicate(runs_in_linear_time)]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_compiled", compiled(self.pattern))

    def keep(self, example: Example) -> bool:
        match = self._compiled.fullmatch
        return all(match(v if isinstance(v, str) else " ".join(v)) for v in self.values(example))
