"""What a metric declares about its values, as the jobs recorded it in metrics.json.

A run records, per logged metric, the range its torchmetrics class declares (`plot_lower_bound`,
`plot_upper_bound`) and whether higher is better (`"metric_ranges"` in metrics.json). The
leaderboard scales a metric × 100 only when it is declared a fraction (bounded in [0, 1]), and
never shows an interval reaching outside the declared range. A metric without a declaration
(a plain float logged, an older run) is shown as it was logged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugboard.core.analysis.sweep import Job

RANGES_KEY = "metric_ranges"  # as plugboard.core.job.record writes it


@dataclass(frozen=True)
class MetricRange:
    lower: float | None = None
    upper: float | None = None
    higher_is_better: bool | None = None

    @property
    def is_fraction(self) -> bool:
        """Declared bounded in [0, 1]: an accuracy, an exact match, BLEU as torchmetrics reports it."""
        return self.lower == 0 and self.upper == 1

    def clip(self, interval: tuple[float, float] | None) -> tuple[float, float] | None:
        """`interval` with its ends moved inside the declared bounds (a mean of values that cannot
        pass a bound cannot either, whatever the t interval says)."""
        if interval is None:
            return None
        low, high = interval
        if self.lower is not None:
            low, high = max(low, self.lower), max(high, self.lower)
        if self.upper is not None:
            low, high = min(low, self.upper), min(high, self.upper)
        return low, high


UNDECLARED = MetricRange()


def parse_ranges(raw: Any) -> dict[str, MetricRange]:
    """The `"metric_ranges"` of a metrics.json; entries that are not a declaration are dropped."""
    if not isinstance(raw, dict):
        return {}
    ranges = {}
    for metric, entry in raw.items():
        if not isinstance(metric, str) or not isinstance(entry, dict):
            continue
        lower, upper = _bound(entry.get("lower")), _bound(entry.get("upper"))
        higher = entry.get("higher_is_better")
        if lower is not None and upper is not None and lower > upper:
            continue
        declared = MetricRange(lower, upper, higher if isinstance(higher, bool) else None)
        if declared != UNDECLARED:
            ranges[metric] = declared
    return ranges


def declared_range(jobs: Iterable[Job], metric: str) -> MetricRange:
    """The declaration the jobs agree on for `metric`; none when no job declares one, or when two
    jobs declare different ones (runs of different code: nothing is assumed)."""
    declarations = {job.metric_ranges[metric] for job in jobs if metric in job.metric_ranges}
    return declarations.pop() if len(declarations) == 1 else UNDECLARED


def _bound(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
