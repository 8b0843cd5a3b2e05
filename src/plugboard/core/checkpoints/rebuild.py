"""Rebuilds a trained model, and its data, from a checkpoint alone: eval, predict, serve, export.

The checkpoint holds the run's resolved config and its data's metadata (the hand-off of
`plugboard.core.handoff`) as plain data. The model is rebuilt from the saved model config and
metadata, then given the saved weights; the DataModule from the saved data config, or from
another one (evaluation on other data), with the same metadata, so text is encoded with the
vocabulary the model was trained with. The saved config is data: `plugboard.core.checkpoints.trust` checks
what it may build before anything is imported or built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
from omegaconf import DictConfig, OmegaConf

from plugboard.core.checkpoints.load import CONVERT, CheckpointError, load_checkpoint
from plugboard.core.checkpoints.local_values import quiet_saved_inputs, with_local_values
from plugboard.core.checkpoints.trust import check_saved_config
from plugboard.core.handoff import METADATA_KEY, instantiate_with_metadata


@dataclass(frozen=True)
class Rebuilt:
    """A checkpoint's model (weights loaded, in eval mode) and DataModule (not yet set up)."""

    model: L.LightningModule
    datamodule: L.LightningDataModule
    config: DictConfig  # the training run's resolved config
    checkpoint: dict[str, Any]
    path: Path


def rebuild(
    ckpt_path: str | Path, data: DictConfig | None = None, paths: DictConfig | None = None
) -> Rebuilt:
    """The model of `ckpt_path` and a DataModule: the saved one, or `data` merged over it.

    `data` with a `_target_` replaces the saved data config (`eval.py data=<other>`); without
    one its keys change the saved config (`eval.py +data.split=length`). `paths`: the current
    run's, for the folders a saved config may not choose (`plugboard.core.checkpoints.local_values`).
    """
    checkpoint = load_checkpoint(ckpt_path)
    metadata = checkpoint.get(METADATA_KEY) or {}
    check_saved_config(checkpoint["config"], metadata, str(ckpt_path))
    config = OmegaConf.create(with_local_values(checkpoint["config"], paths))
    model = _built(config.model, metadata, "model", ckpt_path)
    _load_weights(model, checkpoint["state_dict"], ckpt_path)
    datamodule = _built(_data_config(config.data, data), metadata, "data", ckpt_path)
    if not data or "_target_" not in data:
        quiet_saved_inputs(datamodule, _unless_given(checkpoint["config"]["data"], data), str(ckpt_path))
    return Rebuilt(model.eval(), datamodule, config, checkpoint, Path(ckpt_path))


def _unless_given(saved: dict, requested: DictConfig | None) -> dict:
    """The saved data arguments the user did not give anew on the command line."""
    return {key: value for key, value in saved.items() if not requested or key not in requested}


def _data_config(saved: DictConfig, requested: DictConfig | None) -> DictConfig:
    if not requested:
        return saved
    if "_target_" in requested:
        return requested
    return OmegaConf.merge(saved, requested)


def _built(config: DictConfig, metadata: dict[str, Any], part: str, path: str | Path) -> Any:
    try:
        return instantiate_with_metadata(config, metadata)
    except Exception as error:
        if _unimportable(error):
            raise CheckpointError(
                f"The {part} of checkpoint {path} names {config.get('_target_')!r} (or a part of it) "
                f"that this version of the project does not have ({error.__cause__ or error}). If the "
                f"checkpoint was written before a module moved, `{CONVERT} {path} <new.ckpt>` writes a "
                "copy with the current class paths."
            ) from None
        raise


def _unimportable(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error.__cause__, ImportError | AttributeError) or "Error locating target" in text


def _load_weights(model: L.LightningModule, state_dict: dict[str, Any], path: str | Path) -> None:
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        first = str(error).splitlines()[1:2] or [str(error)]
        raise CheckpointError(
            f"The weights in {path} do not fit the model its config describes ({first[0].strip()}). "
            "The file was changed after it was written, or mixes two runs: use a checkpoint as "
            "train.py wrote it."
        ) from None
