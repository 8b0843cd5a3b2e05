"""Training: compose the config, build everything with Hydra, fit, test the best checkpoint.

Data flows one way: config -> DataModule -> model -> Trainer -> metrics.json. The
function `train` returns the metrics; `main` is the Hydra entry point around it.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from plugboard.core.callbacks import (
    CheckpointOnPreemption,
    RngStateInCheckpoint,
    RunConfigInCheckpoint,
    StopOnNonFiniteLoss,
    TestExampleOutcomes,
    last_checkpoint_every_epoch,
)
from plugboard.core.checkpoint import load_checkpoint
from plugboard.core.errors import ConfigError
from plugboard.core.instantiate import instantiate_named
from plugboard.core.job import objective, run_job
from plugboard.core.logging import get_logger
from plugboard.core.paths import CONFIG_DIR
from plugboard.core.resume import checkpoint_to_resume
from plugboard.core.validation import check_config_types

log = get_logger(__name__)

# Model config entries that decide the shapes of the weights; a checkpoint must match them to resume.
ARCHITECTURE_KEYS = ("_target_", "encoder", "decoder", "attention")


def train(cfg: DictConfig) -> dict[str, float]:
    """Trains and tests one configuration; returns every logged metric as a float."""
    config = OmegaConf.to_container(cfg, resolve=True)
    check_config_types(config)
    output_dir = Path(cfg.paths.output_dir)
    resume_from = checkpoint_to_resume(cfg.get("ckpt_path"), output_dir)
    if resume_from:
        _check_resumable(resume_from, config)
    L.seed_everything(cfg.seed, workers=True)

    log.info(f"Preparing data <{cfg.data._target_}>")
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    log.info(f"Building model <{cfg.model._target_}> (vocabulary of {len(datamodule.vocabulary)} tokens)")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)

    # Always on, whatever the callbacks group: resuming and fault reports rely on them.
    safety = [
        RunConfigInCheckpoint(config),
        RngStateInCheckpoint(),
        StopOnNonFiniteLoss(),
        last_checkpoint_every_epoch(output_dir / "checkpoints"),
        CheckpointOnPreemption(output_dir / "checkpoints"),
        TestExampleOutcomes(output_dir),
    ]
    callbacks = [*instantiate_named(cfg.get("callbacks")), *safety]
    loggers = instantiate_named(cfg.get("logger"))
    trainer: L.Trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    for logger in trainer.loggers:
        logger.log_hyperparams(config)

    metrics: dict[str, float] = {}
    if cfg.get("train"):
        log.info(f"Training{' from ' + resume_from if resume_from else ''}")
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from, weights_only=True)
        metrics.update(_as_floats(trainer.callback_metrics))
        checkpoint = trainer.checkpoint_callback
        if checkpoint is not None and checkpoint.best_model_score is not None:
            metrics[f"{checkpoint.monitor}_best"] = float(checkpoint.best_model_score)

    best_path = _best_checkpoint(trainer, output_dir) if cfg.get("train") else resume_from
    if cfg.get("test"):
        log.info(f"Testing {'checkpoint ' + str(best_path) if best_path else 'the current weights'}")
        trainer.test(model, datamodule=datamodule, ckpt_path=best_path, weights_only=True)
        metrics.update(_as_floats(trainer.callback_metrics))
    metrics["best_checkpoint"] = str(best_path) if best_path else None
    return metrics


def _check_resumable(path: str, config: dict) -> None:
    """Refuses, before anything is built, a checkpoint of another model than the one configured."""
    saved = load_checkpoint(path)["config"]
    saved_model, model = (_architecture(c.get("model") or {}) for c in (saved, config))
    if saved_model != model:
        differences = _differences(saved_model, model, "model")
        raise ConfigError(
            f"Checkpoint {path} holds another model than this config asks for: "
            f"{'; '.join(differences[:5])}. Run with the overrides the checkpoint was trained with "
            "(they are in its run dir, .hydra/overrides.yaml), or start a new run without ckpt_path."
        )


def _architecture(model: dict) -> dict:
    """The parts of a model config that shape its weights (optimiser and decoding may change)."""
    return {key: value for key, value in model.items() if key in ARCHITECTURE_KEYS}


def _differences(saved: dict, wanted: dict, prefix: str) -> list[str]:
    found = []
    for key in sorted(set(saved) | set(wanted)):
        old, new = saved.get(key), wanted.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found += _differences(old, new, f"{prefix}.{key}")
        elif old != new:
            found.append(f"{prefix}.{key} was {old!r}, now {new!r}")
    return found


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
    return objective(run_job(cfg, train), cfg.get("optimized_metric"))
