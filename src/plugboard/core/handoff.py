"""The one hand-off from data to model: the DataModule's `metadata`.

A model often needs facts only its data knows: a vocabulary, the number of classes, an
image size. A DataModule may expose them as `metadata`, a dict of plain data (str, int,
float, bool, None, and lists/dicts of them) that is valid after `setup("fit")`:

    class Blobs(L.LightningDataModule):
        @property
        def metadata(self) -> dict:
            return {"num_features": 2, "num_classes": 3}

    class Mlp(L.LightningModule):
        def __init__(self, num_features: int, num_classes: int, hidden: int = 64): ...

Each entry reaches the model as the keyword argument of the same name, when its constructor
takes one (`num_features=2, num_classes=3`; a constructor with `**kwargs` gets them all), so
the model's config holds only its own hyperparameters. The core saves the metadata in every
checkpoint under `METADATA_KEY`, and when it rebuilds from a checkpoint (eval, predict,
resume) it hands the saved entries to the DataModule's constructor the same way, before
`setup()`: data read anew is then encoded as the model was trained (same vocabulary, same
labels), even when it is other data than the training data. A DataModule without
`metadata` hands nothing over; that is fine for models that need nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from hydra.utils import get_class, instantiate
from omegaconf import DictConfig

from plugboard.core.errors import ConfigError

METADATA_KEY = "metadata"
PLAIN = (str, int, float, bool, type(None))


def data_metadata(datamodule: Any) -> dict[str, Any]:
    """The DataModule's metadata (empty when it has none), checked to be plain data."""
    metadata = getattr(datamodule, "metadata", None)
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not _is_plain(metadata):
        raise ConfigError(
            f"{type(datamodule).__name__}.metadata must be a dict of plain data (str, int, float, bool, "
            f"None, and lists or dicts of them), so that it can be saved in checkpoints as data; got "
            f"{type(metadata).__name__}. Return e.g. {{'vocabulary': [...], 'num_classes': 3}}."
        )
    return dict(metadata)


def describe(metadata: Mapping[str, Any]) -> str:
    """ " (given vocabulary: 54 entries, num_classes: 3)" for the log; empty without metadata."""
    if not metadata:
        return ""
    parts = [
        f"{name}: {len(value)} entries" if isinstance(value, list | tuple | Mapping) else f"{name}: {value}"
        for name, value in metadata.items()
    ]
    return f" (given {', '.join(parts)})"


def instantiate_with_metadata(config: DictConfig, metadata: Mapping[str, Any], **kwargs: Any) -> Any:
    """`instantiate(config)`, given each metadata entry its constructor takes as a keyword."""
    return instantiate(config, **taken_by(config, metadata), **kwargs)


def taken_by(config: DictConfig, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata entries the constructor of `config`'s target takes as keywords."""
    return {name: value for name, value in metadata.items() if _takes(config, name)}


def _takes(config: DictConfig, name: str) -> bool:
    try:
        target = get_class(config["_target_"])
    except Exception:  # a function target, or one that does not import: instantiate will say why
        return False
    parameters = inspect.signature(target.__init__).parameters.values()
    return any(
        parameter.name == name or parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters
    )


def _is_plain(value: Any) -> bool:
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return False
