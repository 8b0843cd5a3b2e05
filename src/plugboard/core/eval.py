"""Evaluation of a checkpoint: model and data rebuilt from what it saved, or on other data."""

from __future__ import annotations

from omegaconf import DictConfig

from plugboard.core.job import entry_point, get_logger, run_job

log = get_logger(__name__)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Tests the checkpoint at `cfg.ckpt_path` on its own test data, or on `cfg.data` when given."""
    import lightning as L

    from plugboard.core.checkpoints.rebuild import rebuild
    from plugboard.core.config.instantiate import instantiate_named, instantiate_trainer
    from plugboard.core.job.declared_ranges import declared_ranges
    from plugboard.core.job.record import RANGES_KEY

    rebuilt = rebuild(cfg.ckpt_path, data=cfg.get("data"), paths=cfg.paths)
    L.seed_everything(rebuilt.config.seed, workers=True)
    log.info(
        f"Loaded {cfg.ckpt_path} (epoch {rebuilt.checkpoint.get('epoch')}, trained with seed "
        f"{rebuilt.config.seed}); testing on <{type(rebuilt.datamodule).__name__}>"
    )
    trainer: L.Trainer = instantiate_trainer(
        cfg.trainer, logger=instantiate_named(cfg.get("logger")) or False
    )
    trainer.test(rebuilt.model, datamodule=rebuilt.datamodule)
    metrics = {name: float(value) for name, value in trainer.callback_metrics.items()}
    return {**metrics, RANGES_KEY: declared_ranges(rebuilt.model, metrics)}


@entry_point("eval")
def main(cfg: DictConfig) -> None:
    run_job(cfg, evaluate, "eval")
