"""What a pipeline did to one split, as plain data for the run's `data_report.json`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plugboard.data.pipeline.base import Example, Value

SHOWN_DROPS = 3  # examples of what a filter dropped, kept in the report
PERCENTILES = (50, 90, 99, 100)


def shown(example: Example) -> list[str]:
    """An example as two readable strings (tokens joined by spaces)."""
    return [value if isinstance(value, str) else " ".join(value) for value in example]


def dropped(before: Sequence[Example], after: Sequence[Example]) -> list[list[str]]:
    """The first few examples of `before` that are not in `after` (filters keep order)."""
    kept = iter(after)
    following = next(kept, None)
    found = []
    for example in before:
        if example is following:
            following = next(kept, None)
        else:
            found.append(shown(example))
            if len(found) == SHOWN_DROPS:
                break
    return found


def lengths(values: Sequence[Value]) -> dict[str, int]:
    """Length percentiles (tokens, or characters of untokenised text): p50, p90, p99, max."""
    if not values:
        return {}
    ordered = sorted(len(value) for value in values)
    last = len(ordered) - 1
    return {f"p{p}" if p < 100 else "max": ordered[round(last * p / 100)] for p in PERCENTILES}


def split_summary(examples: Sequence[Example]) -> dict[str, Any]:
    """Size and length percentiles of one final split."""
    return {
        "examples": len(examples),
        "source_length": lengths([example[0] for example in examples]),
        "target_length": lengths([example[1] for example in examples]),
    }


def data_report(
    pipeline: Any, splits: dict[str, Sequence[Example]], vocabulary_size: int | None
) -> dict[str, Any]:
    """A DataModule's `report`: its pipeline and length bounds, what each step did and what was
    set aside per part of the source, each final split's size and lengths, and the vocabulary size."""
    return {
        "pipeline": pipeline.records(),
        "bounds": pipeline.bounds.record(),
        "source": pipeline.report,
        "splits": {split: split_summary(examples) for split, examples in splits.items()},
        "vocabulary_size": vocabulary_size,
    }
