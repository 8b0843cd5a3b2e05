"""Prints the composed config as a rich tree and keeps a copy in the run dir."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import rich
import rich.syntax
import rich.tree
from omegaconf import DictConfig, OmegaConf

FIRST_FIELDS = ("data", "model", "callbacks", "logger", "trainer", "paths", "extras")


def config_tree(cfg: DictConfig, order: Sequence[str] = FIRST_FIELDS) -> rich.tree.Tree:
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
