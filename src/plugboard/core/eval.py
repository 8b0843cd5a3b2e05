"""Evaluation of a checkpoint: model, data and vocabulary are rebuilt from what it saved."""

from __future__ import annotations

import hydra
import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from plugboard.core.checkpoint import load_checkpoint
from plugboard.core.instantiate import instantiate_named
from plugboard.core.job import run_job
from plugboard.core.logging import get_logger
from plugboard.core.paths import CONFIG_DIR

log = get_logger(__name__)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Tests the checkpoint at `cfg.ckpt_path` on the test splits of the data it was trained on."""
    checkpoint = load_checkpoint(cfg.ckpt_path)
    run_cfg = OmegaConf.create(checkpoint["config"])
    vocabulary = checkpoint["vocabulary"]
    L.seed_everything(run_cfg.seed, workers=True)

    datamodule = instantiate(run_cfg.data, vocabulary=vocabulary)
    model = instantiate(run_cfg.model, vocabulary=vocabulary)
    model.load_state_dict(checkpoint["state_dict"])
    log.info(f"Loaded {cfg.ckpt_path} (epoch {checkpoint.get('epoch')}, trained with seed {run_cfg.seed})")

    trainer: L.Trainer = instantiate(cfg.trainer, logger=instantiate_named(cfg.get("logger")) or False)
    trainer.test(model, datamodule=datamodule)
    return {name: float(value) for name, value in trainer.callback_metrics.items()}


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="eval")
def main(cfg: DictConfig) -> None:
    run_job(cfg, evaluate)
