"""metrics.json records what each logged metric's torchmetrics class declares, found by the
attribute names families use; a metric logged as a plain number declares nothing."""

from __future__ import annotations

import lightning as L
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.aggregation import MaxMetric
from torchmetrics.classification import MulticlassAccuracy

from plugboard.classifier.metrics import classification_metrics
from plugboard.core.job.declared_ranges import declared_ranges
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.sequence_metrics import SequenceMetrics

ACCURACY = {"lower": 0.0, "upper": 1.0, "higher_is_better": True}


class TemplateStyle(L.LightningModule):
    """lightning-hydra-template's way: one metric attribute per split, `self.test_acc`."""

    def __init__(self) -> None:
        super().__init__()
        self.val_acc, self.test_acc = MulticlassAccuracy(3), MulticlassAccuracy(3)
        self.val_acc_best = MaxMetric()


def test_a_split_metrics_module_declares_each_metric_on_every_split():
    model = nn.Module()
    model.split_metrics = nn.ModuleDict(
        {"split_test": MetricCollection({"acc": MulticlassAccuracy(3)}), "split_test_long": nn.Module()}
    )
    logged = ["test/acc", "test_long/acc", "test/loss", "val/acc_best"]
    assert declared_ranges(model, logged) == {"test/acc": ACCURACY, "test_long/acc": ACCURACY}


def test_the_template_way_of_naming_metrics_is_found():
    ranges = declared_ranges(TemplateStyle(), ["val/acc", "test/acc", "val/acc_best", "test/loss"])
    assert ranges == {"val/acc": ACCURACY, "test/acc": ACCURACY}  # MaxMetric declares nothing


def test_the_seq2seq_metrics_declare_fractions_and_unbounded_error_rates():
    model = nn.Module()
    model.metrics = SequenceMetrics(Vocabulary(["a", "b"]))
    names = ["exact_match", "token_accuracy", "bleu", "wer", "cer", "per", "cut_outputs"]
    ranges = declared_ranges(model, [f"test/{name}" for name in names])
    for fraction in ("exact_match", "token_accuracy", "bleu"):
        assert ranges[f"test/{fraction}"] == ACCURACY
    assert ranges["test/wer"] == {"lower": 0.0, "upper": 1.0, "higher_is_better": False}
    # Insertions take an edit rate past 1: bounded below only, never shown as a fraction.
    for rate in ("cer", "per"):
        assert ranges[f"test/{rate}"] == {"lower": 0.0, "upper": None, "higher_is_better": False}
    assert "test/cut_outputs" not in ranges


def test_the_classifier_declares_accuracy_and_f1_as_fractions():
    model = nn.Module()
    model.metrics = classification_metrics(3)
    assert declared_ranges(model, ["test/acc", "test/f1"]) == {"test/acc": ACCURACY, "test/f1": ACCURACY}
