"""The evaluation path every family's LightningModule shares: split names, metrics per split, logging.

Why a base: Lightning attributes what is logged in `on_test_epoch_end` to every test loader, so
metrics computed there are printed under each loader's column of the test table; and a family
that maps loader indices to split names by hand breaks on the first loader it did not expect.
Here instead:

- the split of each loader is named by the DataModule (`test_splits`, `val_splits`), for any
  number of loaders (`plugboard.models.splits.split_name` says what happens without names);
- each split gets its own metrics from the family's `evaluation_metrics()`, made when the split
  is first seen, so a DataModule with a third test split needs nothing from the family;
- each metric object is logged from the step that updated it (`<split>/<name>`, per epoch):
  Lightning computes and resets it at the end of the epoch, under the one loader that logged it.

A family writes `evaluation_metrics()` and `evaluation_step(batch, split)`; this base writes
Lightning's `validation_step` and `test_step` around them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightning as L
import torch
from torch import nn
from torchmetrics import Metric

from plugboard.models.splits import split_name


class EvaluatedModule(L.LightningModule):
    """A LightningModule whose validation and test steps are the family's `evaluation_step`."""

    #: The metric the progress bar shows (a name among `evaluation_metrics()`'s), or None.
    progress_bar_metric: str | None = None

    def __init__(self) -> None:
        super().__init__()
        # No saved state (torchmetrics states are not persistent): checkpoints are unaffected.
        self.split_metrics = nn.ModuleDict()

    # ----- what a family writes -------------------------------------------------------------
    def evaluation_metrics(self) -> nn.Module:
        """A fresh set of metrics for one split: a torchmetrics `MetricCollection`, or any module
        whose `Metric` attributes are its metrics. Each is logged as `<split>/<attribute name>`."""
        raise NotImplementedError(f"{type(self).__name__} needs evaluation_metrics(): the metrics of a split")

    def evaluation_step(self, batch: Any, split: str) -> Mapping[str, Any] | None:
        """Scores one batch of `split`: logs its loss (`log_loss`), updates `metrics_of(split)`.

        Returns each example's outcome as columns (`id`, and e.g. `correct`, `cer`), which the
        core's `TestExampleOutcomes` writes to the run dir after a test, or None.
        """
        raise NotImplementedError(f"{type(self).__name__} needs evaluation_step(): how a batch is scored")

    # ----- what every family shares -----------------------------------------------------------
    def metrics_of(self, split: str) -> nn.Module:
        """The metrics of `split`, made on the model's device when the split is first seen."""
        key = _module_key(split)
        if key not in self.split_metrics:
            self.split_metrics[key] = self.evaluation_metrics().to(self.device)
        return self.split_metrics[key]

    def log_loss(self, split: str, loss: torch.Tensor, batch_size: int) -> None:
        """Logs `<split>/loss`, averaged over the epoch (and over all processes under DDP)."""
        self.log(f"{split}/loss", loss, batch_size=batch_size, add_dataloader_idx=False, sync_dist=True)

    def validation_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        split = split_name("val", dataloader_idx, self._split_names("val_splits"))
        self.evaluation_step(batch, split)
        self._log_metrics_of(split)

    def test_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> dict[str, Any] | None:
        """Also returns `{"split": ..., "examples": ...}` for the core's `TestExampleOutcomes`."""
        split = split_name("test", dataloader_idx, self._split_names("test_splits"))
        examples = self.evaluation_step(batch, split)
        self._log_metrics_of(split)
        return None if examples is None else {"split": split, "examples": examples}

    def _log_metrics_of(self, split: str) -> None:
        """Hands Lightning each updated metric object of `split`: it computes the epoch's value
        once, at the end of the epoch, and shows it under this loader alone."""
        key = _module_key(split)
        for name, metric in self.metrics_of(split).named_children():
            if isinstance(metric, Metric) and metric.update_called:
                self.log(
                    f"{split}/{name}",
                    metric,
                    on_step=False,
                    on_epoch=True,
                    prog_bar=name == self.progress_bar_metric,
                    add_dataloader_idx=False,
                    # Named here: Lightning's own lookup is cached before later splits' metrics exist.
                    metric_attribute=f"split_metrics.{key}.{name}",
                )

    def _split_names(self, attribute: str) -> Sequence[str] | None:
        """The DataModule's names of its loaders (`test_splits`), when a DataModule is attached and
        has them; None for loaders passed to the Trainer directly or a model used on its own."""
        try:
            datamodule = self.trainer.datamodule
        except RuntimeError:  # not attached to a Trainer
            return None
        return getattr(datamodule, attribute, None)


def _module_key(split: str) -> str:
    """A `ModuleDict` key holds no dots and must not shadow a Module attribute ("train", "eval")."""
    return "split_" + split.replace(".", "_")
