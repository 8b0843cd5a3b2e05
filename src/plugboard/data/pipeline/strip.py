"""Stripping: leading and trailing whitespace removed, runs of inner whitespace made one space."""

from __future__ import annotations

import dataclasses

from plugboard.data.pipeline.base import Transform


@dataclasses.dataclass(frozen=True, kw_only=True)
class Strip(Transform):
    """ " twenty  three " -> "twenty three" (`collapse=false` keeps the inner spaces as they are)."""

    collapse: bool = True

    def transform(self, text: str) -> str:
        return " ".join(text.split()) if self.collapse else text.strip()
