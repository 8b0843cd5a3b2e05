"""Lower-casing: "Hello" -> "hello" (Python's `str.lower`, Unicode-aware)."""

from __future__ import annotations

import dataclasses

from plugboard.data.pipeline.base import Transform


@dataclasses.dataclass(frozen=True, kw_only=True)
class Lowercase(Transform):
    """Lower-cases text (or each token). Mind the side: ARPAbet phonemes are upper-case by design."""

    def transform(self, text: str) -> str:
        return text.lower()
