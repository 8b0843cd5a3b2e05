"""Training: compose the config, build everything with Hydra, fit, test the best checkpoint.

Data flows one way: config -> DataModule -> model -> Trainer -> metrics.json. The
function `train` returns the metrics; `main` is the Hydra entry point around it.
"""

from __future__ import annotations

import time
from pathlib import Path

import hydra
import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from plugboard.callbacks import RunConfigInCheckpoint
from plugboard.utils.extras import apply_extras
from plugboard.utils.instantiate import instantiate_named
from plugboard.utils.logging import get_logger
from plugboard.utils.paths import CONFIG_DIR
from plugboard.utils.run_record import write_metrics, write_run_info

log = get_logger(__name__)


def train(cfg: DictConfig) -> dict[str, float]:
    """Trains and tests one configuration; returns every logged metric as a float."""
    L.seed_everything(cfg.seed, workers=True)
    output_dir = Path(cfg.paths.output_dir)

    log.info(f"Preparing data <{cfg.data._target_}>")
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    log.info(f"Building model <{cfg.model._target_}> (vocabulary of {len(datamodule.vocabulary)} tokens)")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)

    config = OmegaConf.to_container(cfg, resolve=True)
    callbacks = [*instantiate_named(cfg.get("callbacks")), RunConfigInCheckpoint(config)]
    loggers = instantiate_named(cfg.get("logger"))
    trainer: L.Trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    for logger in trainer.loggers:
        logger.log_hyperparams(config)

    metrics: dict[str, float] = {}
    if cfg.get("train"):
        log.info("Training")
        trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
        metrics.update(_as_floats(trainer.callback_metrics))
        checkpoint = trainer.checkpoint_callback
        if checkpoint is not None and checkpoint.best_model_score is not None:
            metrics[f"{checkpoint.monitor}_best"] = float(checkpoint.best_model_score)

    if cfg.get("test"):
        best_path = _best_checkpoint(trainer, output_dir) if cfg.get("train") else cfg.get("ckpt_path")
        log.info(f"Testing {'checkpoint ' + str(best_path) if best_path else 'the current weights'}")
        trainer.test(model, datamodule=datamodule, ckpt_path=best_path, weights_only=True)
        metrics.update(_as_floats(trainer.callback_metrics))
        metrics["best_checkpoint"] = str(best_path) if best_path else None
    return metrics


def _best_checkpoint(trainer: L.Trainer, output_dir: Path) -> str | None:
    """The best checkpoint, or (when none was kept, as in a fast dev run) the final weights saved now."""
    checkpoint = trainer.checkpoint_callback
    if checkpoint is not None and checkpoint.best_model_path:
        return checkpoint.best_model_path
    path = output_dir / "checkpoints" / "last.ckpt"
    trainer.save_checkpoint(path)
    return str(path)


def _as_floats(metrics: dict) -> dict[str, float]:
    return {name: float(value) for name, value in metrics.items()}


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    output_dir = Path(cfg.paths.output_dir)
    apply_extras(cfg, output_dir)
    write_run_info(output_dir)
    started = time.time()
    try:
        metrics = train(cfg)
    except Exception as error:
        write_metrics(
            output_dir, "failed", error=f"{type(error).__name__}: {error}", duration_s=time.time() - started
        )
        raise
    best_checkpoint = metrics.pop("best_checkpoint", None)
    write_metrics(
        output_dir,
        "done",
        metrics,
        best_checkpoint=best_checkpoint,
        duration_s=round(time.time() - started, 2),
    )
    log.info(f"Metrics written to {output_dir / 'metrics.json'}")
    return metrics.get(cfg.get("optimized_metric"))
