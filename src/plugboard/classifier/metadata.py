"""What a classifier needs from its data, as plain data: `{"vocabulary": [...], "labels": [...]}`.

The DataModule exposes it as `metadata`; the core hands each entry to the model's constructor
(`vocabulary=`, `labels=`) and keeps it in the checkpoint, so a model rebuilt for evaluation,
and its DataModule, read exactly the symbols and labels it was trained with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugboard.core.errors import DataError


def read_metadata(metadata: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    """(vocabulary tokens, label names), or one paragraph saying what is missing."""
    metadata = {key: value for key, value in (metadata or {}).items() if value is not None}
    missing = [key for key in ("vocabulary", "labels") if not metadata.get(key)]
    if missing:
        raise DataError(
            f"A sequence classifier is built from its data's metadata, a 'vocabulary' and a "
            f"'labels' list, but {' and '.join(repr(key) for key in missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing (got keys {sorted(metadata)}). "
            "Pair model=classifier with a classification DataModule (data=dyck, "
            "data=labelled_tsv), or evaluate a checkpoint written by a classifier."
        )
    vocabulary, labels = list(metadata["vocabulary"]), list(metadata["labels"])
    if len(labels) < 2:
        raise DataError(
            f"A classifier needs at least two labels to tell apart; the data has {labels}. "
            "Check the label column of the data."
        )
    return vocabulary, labels
