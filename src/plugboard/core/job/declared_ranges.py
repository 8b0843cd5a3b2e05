"""The range each logged metric declares, for metrics.json: what lets compare.py scale honestly.

A torchmetrics `Metric` class declares its range and direction in class attributes
(`plot_lower_bound`, `plot_upper_bound`, `higher_is_better`; `MulticlassAccuracy`: 0, 1, True).
A logged name `<split>/<name>` is matched to the model's `Metric` modules by attribute name:
`<name>` itself (an `evaluation_metrics()` module or a `MetricCollection` key) or
`<split>_<name>` (lightning-hydra-template's `self.test_acc`). A metric logged as a plain number
has no class to ask and declares nothing; nor does a name whose matches disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from torch import nn

Declaration = tuple[float | None, float | None, bool | None]


def declared_ranges(model: nn.Module, logged: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`{"test/acc": {"lower": 0.0, "upper": 1.0, "higher_is_better": True}, ...}` for each logged
    metric whose torchmetrics class declares something."""
    from torchmetrics import Metric

    by_attribute: dict[str, set[Declaration]] = defaultdict(set)
    for path, module in model.named_modules():
        if path and isinstance(module, Metric):
            by_attribute[path.rpartition(".")[2]].add(_declaration(module))
    ranges = {}
    for metric in logged:
        split, _, name = metric.rpartition("/")
        found = (by_attribute.get(name) or by_attribute.get(f"{split}_{name}")) if split else None
        if found and len(found) == 1 and (declared := next(iter(found))) != (None, None, None):
            ranges[metric] = dict(zip(("lower", "upper", "higher_is_better"), declared, strict=True))
    return ranges


def _declaration(metric: nn.Module) -> Declaration:
    lower, upper = getattr(metric, "plot_lower_bound", None), getattr(metric, "plot_upper_bound", None)
    higher = getattr(metric, "higher_is_better", None)
    return (
        None if lower is None else float(lower),
        None if upper is None else float(upper),
        higher if isinstance(higher, bool) else None,
    )
