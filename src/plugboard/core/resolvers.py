"""OmegaConf resolvers the configs use; registered when `plugboard` is imported.

- `${plugboard_root:}`: the project folder, so paths never depend on the working directory.
- `${plugboard_run_dir:ckpt_path,runs_dir,name}`: the run dir, the resumed run's own when resuming.
- `${plugboard_sweep_group:task_name}`: `<task>-<sweep dir name>` in a multirun (one wandb group
  per sweep), else null.
- `${plugboard_wandb_id:output_dir}`: a wandb run id kept in the run dir, so a resumed run continues it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from omegaconf import OmegaConf

from plugboard.core.paths import PROJECT_ROOT
from plugboard.core.resume import run_dir

WANDB_ID_FILE = "wandb_run_id.txt"


def sweep_group(task_name: str) -> str | None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    return f"{task_name}-{Path(HydraConfig.get().sweep.dir).name}"


def wandb_run_id(output_dir: str) -> str:
    path = Path(output_dir) / WANDB_ID_FILE
    if path.is_file():
        return path.read_text().strip()
    run_id = secrets.token_hex(4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run_id + "\n")
    return run_id


RESOLVERS = {
    "plugboard_root": lambda: str(PROJECT_ROOT),
    "plugboard_run_dir": run_dir,
    "plugboard_sweep_group": sweep_group,
    "plugboard_wandb_id": wandb_run_id,
}


def register_resolvers() -> None:
    for name, resolver in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
