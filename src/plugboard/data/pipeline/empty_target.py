"""Examples with nothing to learn to produce: an empty (or all-whitespace) target is dropped."""

from __future__ import annotations

import dataclasses
from typing import Literal

from plugboard.data.pipeline.base import Example, Filter


@dataclasses.dataclass(frozen=True, kw_only=True)
class DropEmptyTarget(Filter):
    """Drops examples whose target is empty text, only whitespace, or no tokens."""

    side: Literal["target"] = "target"

    def keep(self, example: Example) -> bool:
        target = example[1]
        return bool(target.strip() if isinstance(target, str) else target)
