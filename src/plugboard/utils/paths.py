"""Where the project lives, as an OmegaConf resolver (`${plugboard_root:}`).

Configs use absolute paths built from it, so runs never depend on the working directory.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFIG_DIR = PROJECT_ROOT / "configs"


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("plugboard_root"):
        OmegaConf.register_new_resolver("plugboard_root", lambda: str(PROJECT_ROOT))
