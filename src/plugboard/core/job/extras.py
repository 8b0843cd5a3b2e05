"""Optional niceties applied before a run starts (configs/extras/): quiet warnings, the config tree.

The tree is printed with rich and a copy kept in the run dir as `config_tree.log`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import rich
import rich.syntax
import rich.tree
from omegaconf import DictConfig, OmegaConf

from plugboard.core.job.ranks import rank_zero_only

FIRST_FIELDS = ("data", "model", "callbacks", "logger", "trainer", "paths", "extras")
CONFIG_TREE_FILE = "config_tree.log"


@rank_zero_only
def apply_extras(cfg: DictConfig, output_dir: Path) -> None:
    extras = cfg.get("extras") or {}
    if extras.get("ignore_warnings"):
        warnings.filterwarnings("ignore")
    if extras.get("print_config"):
        print_config_tree(cfg, save_to=Path(output_dir) / CONFIG_TREE_FILE)


def config_tree(cfg: DictConfig, order: Sequence[str] = FIRST_FIELDS) -> rich.tree.Tree:
    """The composed config as a rich tree, the groups users change most first."""
    tree = rich.tree.Tree("CONFIG", style="dim", guide_style="dim")
    fields = [field for field in order if field in cfg] + [field for field in cfg if field not in order]
    for field in fields:
        branch = tree.add(field, style="bold", guide_style="dim")
        value = cfg[field]
        text = OmegaConf.to_yaml(value, resolve=True) if isinstance(value, DictConfig) else str(value)
        branch.add(rich.syntax.Syntax(text, "yaml"))
    return tree


def print_config_tree(cfg: DictConfig, save_to: Path | None = None) -> None:
    tree = config_tree(cfg)
    rich.print(tree)
    if save_to is not None:
        with open(save_to, "w") as file:
            rich.print(tree, file=file)
