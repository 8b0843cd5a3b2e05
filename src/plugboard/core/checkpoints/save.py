"""How train.py writes a checkpoint: plain data only, into the run dir, without following a link.

Lightning saves whatever a module passed to save_hyperparameters: a module written the
lightning-hydra-template way (`__init__(net: nn.Module, optimizer: partial, ...)`, then
`self.save_hyperparameters(logger=False)`) puts an `nn.Module` and a `functools.partial` in
the checkpoint, and its DataModule an OmegaConf `ListConfig`. `torch.load(weights_only=True)`
refuses all three, so such a checkpoint could be written but never read back. The core owns
the format instead: every checkpoint passes through `plain_checkpoint` as it is saved, where

- an argument that is an object (a module, a partial) becomes its config node from the run
  config (`model.net`, `data.<name>`): what built it, as data;
- OmegaConf containers become plain dicts and lists;
- anything else that is not plain data becomes its `repr`, with one warning naming it.

`RunDirCheckpointIO` is the Lightning plugin that does this on every save, and writes the file
with `plugboard.core.job.run_files` (temporary file renamed into place, no link followed).
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from plugboard.core.job.logs import get_logger
from plugboard.core.job.run_files import write_bytes

log = get_logger(__name__)

# What torch.load(weights_only=True) reads back (besides containers of them).
PLAIN = (str, bytes, bytearray, int, float, bool, complex, type(None), torch.Size, torch.dtype, torch.device)
TENSORS = (torch.Tensor, torch.nn.Parameter)
# Where Lightning puts save_hyperparameters' arguments, and the part of the run config they come from.
HYPER_PARAMETERS = {"hyper_parameters": "model", "datamodule_hyper_parameters": "data"}
HYPER_PARAMETER_TYPES = ("hparams_type", "datamodule_hparams_type")  # a class object: left out


class RunDirCheckpointIO(TorchCheckpointIO):
    """Saves checkpoints as plain data (`plain_checkpoint`) inside `run_dir`, link-safe."""

    def __init__(self, run_dir: str | Path, run_config: Mapping[str, Any]) -> None:
        self.run_dir, self.run_config = Path(run_dir), run_config

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        buffer = io.BytesIO()
        torch.save(plain_checkpoint(checkpoint, self.run_config), buffer)
        write_bytes(self.run_dir, Path(path), buffer.getvalue())


def plain_checkpoint(checkpoint: Mapping[str, Any], run_config: Mapping[str, Any]) -> dict[str, Any]:
    """`checkpoint` with every object replaced by plain data (see the module docstring)."""
    plain: dict[str, Any] = {}
    for key, value in checkpoint.items():
        if key in HYPER_PARAMETER_TYPES:
            continue
        if key in HYPER_PARAMETERS and isinstance(value, Mapping):
            part = run_config.get(HYPER_PARAMETERS[key]) or {}
            value = {name: _as_config(name, item, part) for name, item in value.items()}
        plain[key] = plain_data(value, key)
    return plain


def _as_config(name: str, value: Any, part: Mapping[str, Any]) -> Any:
    """A module or partial argument as the config node that built it, when the run config has one."""
    if _is_plain(value) or not isinstance(part.get(name), Mapping):
        return value
    return part[name]


def plain_data(value: Any, where: str) -> Any:
    """`value` as what `torch.load(weights_only=True)` reads: tensors, plain values and containers of
    them; an OmegaConf container as plain data; anything else its repr (warned once per place)."""
    if type(value) in TENSORS or type(value) in PLAIN:
        return value
    if _is_omegaconf(value):
        from omegaconf import OmegaConf

        return plain_data(OmegaConf.to_container(value, resolve=True), where)
    if isinstance(value, Mapping):
        kind = OrderedDict if type(value) is OrderedDict else dict
        return kind(
            (key if type(key) in PLAIN else repr(key), plain_data(item, f"{where}.{key}"))
            for key, item in value.items()
        )
    if isinstance(value, list | tuple | set):  # a namedtuple or a list subclass becomes a plain one
        items = [plain_data(item, f"{where}[{index}]") for index, item in enumerate(value)]
        return type(value)(items) if type(value) in (list, tuple, set) else items
    _warn_once(where, value)
    return repr(value)


def _is_plain(value: Any) -> bool:
    if type(value) in TENSORS or type(value) in PLAIN:
        return True
    if type(value) in (dict, OrderedDict):
        return all(type(key) in PLAIN and _is_plain(item) for key, item in value.items())
    if type(value) in (list, tuple, set):
        return all(_is_plain(item) for item in value)
    return False


def _is_omegaconf(value: Any) -> bool:
    return type(value).__module__.startswith("omegaconf.")


_warned: set[str] = set()


def _warn_once(where: str, value: Any) -> None:
    if where not in _warned:
        _warned.add(where)
        log.warning(
            f"The checkpoint keeps {where} as text ({type(value).__module__}.{type(value).__qualname__} is "
            "not plain data, and a checkpoint holds only plain data so that it loads without running "
            "code). Pass plain values, or objects built from the config, to save_hyperparameters."
        )
