"""Evaluation of a checkpoint: model and data rebuilt from what it saved, or on other data."""

from __future__ import annotations

from omegaconf import DictConfig

from plugboard.core.entry import entry_point
from plugboard.core.job import run_job
from plugboard.core.logging import get_logger

log = get_logger(__name__)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Tests the checkpoint at `cfg.ckpt_path` on its own test data, or on `cfg.data` when given."""
    import lightning as L
    from hydra.utils import instantiate

    from plugboard.core.instantiate import instantiate_named
    from plugboard.core.rebuild import rebuild

    rebuilt = rebuild(cfg.ckpt_path, data=cfg.get("data"))
    L.seed_everything(rebuilt.config.seed, workers=True)
    log.info(
        f"Loaded {cfg.ckpt_path} (epoch {rebuilt.checkpoint.get('epoch')}, trained with seed "
        f"{rebuilt.config.seed}); testing on <{type(rebuilt.datamodule).__name__}>"
    )
    trainer: L.Trainer = instantiate(cfg.trainer, logger=instantiate_named(cfg.get("logger")) or False)
    trainer.test(rebuilt.model, datamodule=rebuilt.datamodule)
    return {name: float(value) for name, value in trainer.callback_metrics.items()}


def check(cfg: DictConfig) -> None:
    """What can be known wrong before anything is built or printed: every bad value at once."""
    from plugboard.core.validation import check_config

    check_config(cfg, "eval")


@entry_point("eval")
def main(cfg: DictConfig) -> None:
    run_job(cfg, evaluate, check=check)
