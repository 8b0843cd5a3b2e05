"""The metrics of one evaluation split, from torchmetrics.

- acc: share of sequences whose label is right (micro accuracy; torchmetrics' default for
  `MulticlassAccuracy` is macro, the mean of per-class recalls, hence the explicit choice).
- f1: macro F1, the mean of the per-label F1 scores, so a rare label counts as much as a
  frequent one.
"""

from __future__ import annotations

from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score


def classification_metrics(num_labels: int) -> MetricCollection:
    """Logged as `<split>/acc` and `<split>/f1`."""
    return MetricCollection(
        {
            "acc": MulticlassAccuracy(num_labels, average="micro"),
            "f1": MulticlassF1Score(num_labels, average="macro"),
        }
    )
