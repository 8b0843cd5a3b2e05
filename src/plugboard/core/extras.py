"""Optional niceties applied before a run starts (see configs/extras/)."""

from __future__ import annotations

import warnings
from pathlib import Path

from omegaconf import DictConfig

from plugboard.core.rank_zero import rank_zero_only
from plugboard.core.rich_config import print_config_tree


@rank_zero_only
def apply_extras(cfg: DictConfig, output_dir: Path) -> None:
    extras = cfg.get("extras") or {}
    if extras.get("ignore_warnings"):
        warnings.filterwarnings("ignore")
    if extras.get("print_config"):
        print_config_tree(cfg, save_to=output_dir / "config_tree.log")
