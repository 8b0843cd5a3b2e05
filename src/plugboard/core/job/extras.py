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
from plugboard.core.job.run_files import replacing

FIRST_FIELDS = ("data", "model", "callbacks", "logger", "trainer", "paths", "extras")
CONFIG_TREE_FILE = "config_tree.log"


@rank_zero_only
def apply_extras(cfg: DictConfig, output_dir: Path) -> None:
    extras = cfg.get("extras") or {}
    if extras.get("ignore_warnings"):
        warnings.filterwarnings("ignore")
    if extras.get("print_config"):
        print_config_tree(cfg, run_dir=Path(output_dir))


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


def print_config_tree(cfg: DictConfig, run_dir: Path | None = None) -> None:
    """Prints the tree, and keeps a copy as `<run_dir>/config_tree.log` when a run dir is given."""
    tree = config_tree(cfg)
    rich.print(tree)
    if run_dir is not None:
        with replacing(run_dir, CONFIG_TREE_FILE) as file:
            rich.print(tree, file=file)
