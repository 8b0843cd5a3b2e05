"""OmegaConf resolvers the configs use; registered when `plugboard` is imported.

- `${plugboard_root:}`: the project folder, so paths never depend on the working directory.
- `${plugboard_run_dir:ckpt_path,runs_dir,name}`: the run dir, the resumed run's own when resuming.
- `${plugboard_sweep_group:task_name}`: `<task>-<sweep dir name>` in a multirun (one wandb group
  per sweep), else null.
- `${plugboard_worker_suffix:worker}`: `_worker<k>` for search worker k > 0, else nothing, so that
  workers of one Optuna search started together get sweep dirs of their own.
- `${plugboard_wandb_id:output_dir}`: a wandb run id named after the run dir, so a resumed run
  continues it.
- `${plugboard_rank_zero_only:value}`: null on ranks > 0 that torchrun or SLURM started, so they
  write none of the files rank 0 writes (`hydra.output_subdir`).
- `${plugboard_devices_per_node:${trainer.devices}}`, `${plugboard_gpus_per_node:accelerator,devices}`:
  the trainer's device count as SLURM reserves it (configs/launcher/slurm.yaml).
- `${plugboard_new_ray_only:${.address},2}`: the value when Ray starts an instance of its own
  (address null), else null: `ray.init` refuses resources when it joins a running cluster.
- `${plugboard_class_flag:attention,needs_equal_sizes,true}`: a boolean class attribute of the
  target of a sibling node (`attention` beside the node holding the key; False when the class
  has none; the last argument when there is no such sibling, e.g. a part's file loaded alone), so
  one part's setting can follow the class chosen for another (configs/model/encoder/gru.yaml).

They only compute values: resolving a config creates no file or folder (the run dir is
claimed when the run starts, `plugboard.core.job.run_dir`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from plugboard.core.errors import ConfigError
from plugboard.core.job.ranks import global_rank
from plugboard.core.job.run_dir import run_dir
from plugboard.core.paths import PROJECT_ROOT

WANDB_ID_FILE = "wandb_run_id.txt"


def sweep_group(task_name: str) -> str | None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    return f"{task_name}-{Path(HydraConfig.get().sweep.dir).name}"


def wandb_run_id(output_dir: str) -> str:
    """The id kept by an earlier version in the run dir, else one derived from the dir's path:
    every rank and every resumption of a run gets the same id, and nothing is written."""
    path = Path(output_dir) / WANDB_ID_FILE
    if path.is_file():
        return path.read_text().strip()
    return hashlib.sha256(str(Path(output_dir).resolve()).encode()).hexdigest()[:12]


def worker_suffix(worker: Any) -> str:
    return f"_worker{int(worker)}" if worker else ""


def rank_zero_only(value: Any) -> Any:
    return value if global_rank() == 0 else None


def devices_per_node(devices: Any) -> int:
    """The trainer's device count as a number: SLURM needs one to reserve tasks and GPUs."""
    count = int(devices) if str(devices).isdigit() else None
    if not count:
        raise ConfigError(
            f"trainer.devices={devices}: launcher=slurm reserves one task (and one GPU) per device, "
            "so it needs the number of devices per node, e.g. trainer.devices=4."
        )
    return count


def gpus_per_node(accelerator: str, devices: Any) -> int | None:
    return None if accelerator == "cpu" else devices_per_node(devices)


def class_flag(sibling: str, attribute: str, default: bool, *, _parent_: Any) -> bool:
    """The class attribute `attribute` of the `_target_` of node `sibling`, beside the node that
    holds the key (False when the class has none); `default` without such a sibling."""
    from hydra.utils import get_class

    from plugboard.core.config._hydra import parent_node

    holder = parent_node(_parent_) if _parent_ is not None else None
    target = OmegaConf.select(holder, f"{sibling}._target_", default=None) if holder is not None else None
    if target is None:
        return bool(default)
    return bool(getattr(get_class(target), attribute, False))


def new_ray_only(address: str | None, value: Any) -> Any:
    return value if address is None else None


RESOLVERS = {
    "plugboard_class_flag": class_flag,
    "plugboard_root": lambda: str(PROJECT_ROOT),
    "plugboard_run_dir": run_dir,
    "plugboard_sweep_group": sweep_group,
    "plugboard_wandb_id": wandb_run_id,
    "plugboard_rank_zero_only": rank_zero_only,
    "plugboard_worker_suffix": worker_suffix,
    "plugboard_devices_per_node": devices_per_node,
    "plugboard_gpus_per_node": gpus_per_node,
    "plugboard_new_ray_only": new_ray_only,
}


def register_resolvers() -> None:
    for name, resolver in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
