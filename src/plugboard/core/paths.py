"""Where the project lives (the configs reach it through the `${plugboard_root:}` resolver).

Configs use absolute paths built from it, so runs never depend on the working directory.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFIG_DIR = PROJECT_ROOT / "configs"
