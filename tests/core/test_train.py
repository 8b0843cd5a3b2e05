"""The value a sweeper optimises exists under every debug mode (`<monitor>_best` in metrics.json)."""

from __future__ import annotations

from types import SimpleNamespace

from plugboard.core.train import _best_score

METRICS = {"val/acc": 0.75, "train/loss": 0.5}


def test_the_best_checkpoints_score_when_one_was_kept():
    checkpoint = SimpleNamespace(monitor="val/acc", best_model_score=0.8)
    trainer = SimpleNamespace(checkpoint_callback=checkpoint, fast_dev_run=False)
    assert _best_score(trainer, METRICS, "val/acc") == {"val/acc_best": 0.8}


def test_the_last_validation_value_under_a_fast_dev_run(caplog):
    checkpoint = SimpleNamespace(monitor="val/acc", best_model_score=None)
    trainer = SimpleNamespace(checkpoint_callback=checkpoint, fast_dev_run=True)
    with caplog.at_level("INFO"):
        assert _best_score(trainer, METRICS, "val/acc") == {"val/acc_best": 0.75}
    assert "a fast dev run keeps none" in caplog.text


def test_the_last_validation_value_without_a_checkpoint_callback():
    trainer = SimpleNamespace(checkpoint_callback=None, fast_dev_run=False)
    assert _best_score(trainer, METRICS, "val/acc") == {"val/acc_best": 0.75}


def test_nothing_when_the_monitored_metric_was_never_logged():
    trainer = SimpleNamespace(checkpoint_callback=None, fast_dev_run=True)
    assert _best_score(trainer, METRICS, "val/f1") == {}
