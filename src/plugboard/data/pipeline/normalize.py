"""Unicode normalisation: one code-point sequence for text that looks the same ("é" as one or two)."""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Literal

from plugboard.data.pipeline.base import Transform


@dataclasses.dataclass(frozen=True, kw_only=True)
class Normalize(Transform):
    """`unicodedata.normalize(form, text)`. NFC composes ("e" + combining accent -> "é"); NFKC also
    folds compatibility forms ("ﬁ" -> "fi", full-width digits -> ASCII), which changes meaning less
    often than it helps for user-typed text."""

    form: Literal["NFC", "NFKC", "NFD", "NFKD"] = "NFC"

    def transform(self, text: str) -> str:
        return unicodedata.normalize(self.form, text)
