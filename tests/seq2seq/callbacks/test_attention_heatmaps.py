"""The attention heatmap callback on a tiny model: a PNG per epoch, an image in TensorBoard."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from omegaconf import DictConfig

from plugboard.core.paths import CONFIG_DIR
from plugboard.seq2seq.callbacks import AttentionHeatmaps
from plugboard.seq2seq.decoding import Hypotheses

TINY = [
    "data.train_size=64",
    "data.val_size=16",
    "data.test_size=16",
    "data.batch_size=16",
    "data.task.max_length=8",
    "data.task.long_max_length=10",
    "model.encoder.embedding_size=8",
    "model.encoder.hidden_size=16",
    "model.decoder.embedding_size=8",
]


@pytest.fixture(scope="module")
def cfg() -> DictConfig:
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=TINY)


def fit(cfg: DictConfig, root: Path, callback: AttentionHeatmaps, logger, max_epochs: int = 1):
    L.seed_everything(0)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)
    trainer = L.Trainer(
        default_root_dir=root,
        max_epochs=max_epochs,
        limit_train_batches=2,
        limit_val_batches=1,
        num_sanity_val_steps=1,  # the sanity check must not draw
        callbacks=[callback],
        logger=logger,
        accelerator="cpu",
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, datamodule=datamodule)
    return model


def test_default_callbacks_include_attention_heatmaps(cfg: DictConfig) -> None:
    assert isinstance(instantiate(cfg.callbacks.attention_heatmaps), AttentionHeatmaps)


def test_heatmap_saved_as_png_and_logged_to_tensorboard(cfg: DictConfig, tmp_path: Path) -> None:
    import matplotlib.image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorBoardLogger(tmp_path, name="tensorboard", version="")
    fit(cfg, tmp_path, AttentionHeatmaps(num_examples=3), logger)

    png = tmp_path / "attention" / "epoch_000.png"
    assert png.stat().st_size > 10_000
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 300 and pixels.shape[2] in (3, 4)
    assert pixels.std() > 0.05  # drawn, not blank

    events = EventAccumulator(logger.log_dir, size_guidance={"images": 0})
    events.Reload()
    assert "val/attention" in events.Tags()["images"]
    assert len(events.Images("val/attention")) == 1  # one epoch, sanity check skipped


def test_csv_logger_only_still_saves_png_every_n_epochs(cfg: DictConfig, tmp_path: Path) -> None:
    logger = CSVLogger(tmp_path, name="csv", version="")
    fit(cfg, tmp_path, AttentionHeatmaps(num_examples=2, every_n_epochs=2), logger, max_epochs=2)

    assert sorted(p.name for p in (tmp_path / "attention").iterdir()) == ["epoch_000.png"]


def test_model_without_weights_is_skipped(cfg: DictConfig, tmp_path: Path, monkeypatch) -> None:
    model_class = instantiate(cfg.model, vocabulary=["a"]).__class__
    generate = model_class.generate
    monkeypatch.setattr(
        model_class,
        "generate",
        lambda self, batch, beam_size=None: Hypotheses(*generate(self, batch, 1)[:2], None),
    )
    callback = AttentionHeatmaps()
    fit(cfg, tmp_path, callback, logger=False)

    assert callback.disabled
    assert not (tmp_path / "attention").exists()
