"""`trainer.enable_progress_bar=false`, as docs/speed.md writes it, is one switch that works."""

from __future__ import annotations

from pathlib import Path

from helpers import compose_config
from lightning.pytorch.callbacks import RichProgressBar

from plugboard.core.config.instantiate import drop_progress_bars_if_disabled, instantiate_named


def test_the_switch_composes_and_removes_the_rich_bar(tmp_path: Path):
    cfg = compose_config(["trainer.enable_progress_bar=false"], tmp_path)
    callbacks = instantiate_named(cfg.callbacks)
    assert any(isinstance(callback, RichProgressBar) for callback in callbacks)
    kept = drop_progress_bars_if_disabled(callbacks, cfg.trainer.enable_progress_bar)
    assert not any(isinstance(callback, RichProgressBar) for callback in kept)
    assert len(kept) == len(callbacks) - 1
    assert drop_progress_bars_if_disabled(callbacks, True) == callbacks
