"""Character mapping: rare or variant symbols replaced, or deleted (mapped to "")."""

from __future__ import annotations

import dataclasses

from plugboard.data.pipeline.base import Transform


@dataclasses.dataclass(frozen=True, kw_only=True)
class MapCharacters(Transform):
    """Each character that is a key of `mapping` becomes its value (`str.translate`): curly quotes
    to straight ones, `{"0": "", "1": "", "2": ""}` strips CMUdict's stress digits (AH0 -> AH)."""

    mapping: dict[str, str]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_table", str.maketrans(dict(self.mapping)))

    def transform(self, text: str) -> str:
        return text.translate(self._table)
