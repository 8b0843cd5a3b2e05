"""Training: compose the config, build everything with Hydra, fit, test the best checkpoint.

Data flows one way: config -> DataModule -> model -> Trainer -> metrics.json. The
function `train` returns the metrics; `main` is the Hydra entry point around it.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from plugboard.core.job import entry_point, get_logger, objective, run_job

log = get_logger(__name__)


def train(cfg: DictConfig) -> dict[str, float]:
    """Trains and tests one configuration; returns every logged metric as a float."""
    # Imported here, not above: Hydra answers --help and composition errors without torch.
    import lightning as L
    from lightning.pytorch.utilities.model_helpers import is_overridden

    from plugboard.core.callbacks import (
        CheckpointOnPreemption,
        RngStateInCheckpoint,
        RunConfigInCheckpoint,
        StopOnNonFiniteLoss,
        TestExampleOutcomes,
        last_checkpoint_every_epoch,
    )
    from plugboard.core.checkpoints.resume import LAST, check_resumable, checkpoint_to_resume
    from plugboard.core.checkpoints.save import RunDirCheckpointIO
    from plugboard.core.checkpoints.warm_start import handed_metadata, start_from, warm_start_source
    from plugboard.core.config.instantiate import (
        drop_monitors_without_validation,
        drop_progress_bars_if_disabled,
        instantiate_named,
        instantiate_trainer,
    )
    from plugboard.core.handoff import data_metadata, describe, instantiate_with_metadata
    from plugboard.core.job.declared_ranges import declared_ranges
    from plugboard.core.job.record import RANGES_KEY
    from plugboard.core.job.run_dir import describe_resumed_run

    config = OmegaConf.to_container(cfg, resolve=True)
    output_dir = Path(cfg.paths.output_dir)
    resume_from = checkpoint_to_resume(cfg.get("ckpt_path"), output_dir)
    if cfg.get("ckpt_path") == LAST:
        log.info(f"ckpt_path=last: {describe_resumed_run(output_dir)}")
    L.seed_everything(cfg.seed, workers=True)

    source = warm_start_source(cfg, resume_from)
    log.info(f"Preparing data <{cfg.data._target_}>")
    datamodule = instantiate_with_metadata(cfg.data, handed_metadata(cfg, source, resume_from))
    datamodule.setup("fit")
    metadata = data_metadata(datamodule)
    log.info(f"Building model <{cfg.model._target_}>{describe(metadata)}")
    model = instantiate_with_metadata(cfg.model, metadata)
    if resume_from:
        check_resumable(model, resume_from, config, output_dir)
    start_from(model, source, cfg, metadata, output_dir)

    # Always on, whatever the callbacks group: resuming and fault reports rely on them.
    safety = [
        RunConfigInCheckpoint(config, metadata),
        RngStateInCheckpoint(),
        StopOnNonFiniteLoss(),
        last_checkpoint_every_epoch(output_dir),
        CheckpointOnPreemption(output_dir),
        TestExampleOutcomes(output_dir),
    ]
    callbacks = drop_monitors_without_validation(instantiate_named(cfg.get("callbacks")), model)
    callbacks = drop_progress_bars_if_disabled(callbacks, cfg.trainer.get("enable_progress_bar"))
    loggers = instantiate_named(cfg.get("logger"))
    trainer: L.Trainer = instantiate_trainer(
        cfg.trainer,
        callbacks=[*callbacks, *safety],
        logger=loggers or False,
        plugins=[RunDirCheckpointIO(output_dir, config)],  # plain data, written link-safe
    )
    for logger in trainer.loggers:
        logger.log_hyperparams(config)

    metrics: dict[str, float] = {}
    if cfg.get("train"):
        log.info(f"Training{' from ' + resume_from if resume_from else ''}")
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from, weights_only=True)
        metrics.update(_as_floats(trainer.callback_metrics))
        metrics.update(_best_score(trainer, metrics, OmegaConf.select(cfg, "monitor.metric")))

    best_path = _best_checkpoint(trainer, output_dir) if cfg.get("train") else resume_from
    if cfg.get("test") and is_overridden("test_step", model):
        log.info(f"Testing {'checkpoint ' + str(best_path) if best_path else 'the current weights'}")
        trainer.test(model, datamodule=datamodule, ckpt_path=best_path, weights_only=True)
        metrics.update(_as_floats(trainer.callback_metrics))
    metrics["best_checkpoint"] = str(best_path) if best_path else None
    metrics[RANGES_KEY] = declared_ranges(model, metrics)
    return metrics


def _best_score(trainer: L.Trainer, metrics: dict[str, float], monitored: str | None) -> dict[str, float]:  # noqa: F821
    """`<monitored>_best`, what sweepers optimise: the best checkpoint's score, or, when no best
    checkpoint was kept (a fast dev run, no checkpoint callback), the last validation value."""
    checkpoint = trainer.checkpoint_callback
    if checkpoint is not None and checkpoint.monitor and checkpoint.best_model_score is not None:
        return {f"{checkpoint.monitor}_best": float(checkpoint.best_model_score)}
    if not monitored or monitored not in metrics:
        return {}
    why = "a fast dev run keeps none" if trainer.fast_dev_run else "no checkpoint callback watches it"
    log.info(
        f"No best checkpoint by {monitored} ({why}): {monitored}_best is its last validation value, "
        f"{metrics[monitored]:.6g}"
    )
    return {f"{monitored}_best": metrics[monitored]}


def _best_checkpoint(trainer: L.Trainer, output_dir: Path) -> str | None:  # noqa: F821
    """The best checkpoint, or (when none was kept, as in a fast dev run) the final weights saved now."""
    from plugboard.core.checkpoints.resume import last_checkpoint

    checkpoint = trainer.checkpoint_callback
    if checkpoint is not None and checkpoint.monitor and checkpoint.best_model_path:
        return checkpoint.best_model_path
    path = last_checkpoint(output_dir)
    trainer.save_checkpoint(path)
    return str(path)


def _as_floats(metrics: dict) -> dict[str, float]:
    return {name: float(value) for name, value in metrics.items()}


@entry_point("train")
def main(cfg: DictConfig) -> float | None:
    monitor = OmegaConf.to_container(cfg.monitor) if cfg.get("monitor") else None
    return objective(run_job(cfg, train, "train", monitor=monitor), cfg.get("optimized_metric"))
