"""Which split a validation or test loader holds, named by the DataModule where it can say."""

from __future__ import annotations

from collections.abc import Sequence


def split_name(prefix: str, dataloader_idx: int, names: Sequence[str] | None = None) -> str:
    """The name of the loader at `dataloader_idx`: `names[dataloader_idx]` (the DataModule's own,
    e.g. `test_splits` ["test", "test_long"]); without names, or past their end, `prefix` for the
    first loader and `<prefix>_<index>` for the others ("test", "test_1", "test_2"), as
    `plugboard.core.callbacks.TestExampleOutcomes` names them."""
    if names is not None and dataloader_idx < len(names):
        return names[dataloader_idx]
    return prefix if dataloader_idx == 0 else f"{prefix}_{dataloader_idx}"
