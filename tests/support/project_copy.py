"""A copy of the project in a temporary folder, and running Python inside it.

The template tests change a project (rename it, add a module) and then run its own tests;
they do that to a copy, never to this tree. The copy is imported through PYTHONPATH (no
pip install), and a stand-in for this tree's package is put first on the path so that
any import that still reaches it fails loudly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from plugboard.core.paths import PROJECT_ROOT

PACKAGE = "plugboard"
# Version control, environments, run outputs, caches and build metadata.
LEFT_OUT = (
    ".git",
    ".venv",
    "logs",
    "__pycache__",
    ".*_cache",
    "*.egg-info",
    ".ipynb_checkpoints",
    ".hypothesis",
)
BLOCKER = 'raise ImportError("this copy of the project imported the original package at {root}")\n'


def copy_project(destination: Path, parts: tuple[str, ...] | None = None) -> Path:
    """Copies the project (or only the top-level `parts` of it) to `destination`."""
    left_out = shutil.ignore_patterns(*LEFT_OUT)

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = left_out(directory, names)
        if parts is not None and Path(directory) == PROJECT_ROOT:
            ignored |= {name for name in names if name not in parts}
        return ignored

    shutil.copytree(PROJECT_ROOT, destination, ignore=ignore, symlinks=True)
    return destination


def run_python(copy: Path, arguments: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`python <arguments>` in `copy`, importing the copy's src/ and never this tree's package."""
    blocker = copy.parent / f"{copy.name}-blocker"
    if not blocker.exists():
        (blocker / PACKAGE).mkdir(parents=True)
        (blocker / PACKAGE / "__init__.py").write_text(BLOCKER.format(root=PROJECT_ROOT))
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy / "src"), str(blocker)]),
        "OMP_NUM_THREADS": "1",
        "WANDB_MODE": "offline",
        "PYTHONWARNINGS": "ignore",
    }
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_tests(copy: Path, arguments: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """The copy's own pytest run, in one process (`-p no:xdist`), each test's outcome listed."""
    return run_python(copy, ["-m", "pytest", "-p", "no:xdist", "-rA", "-q", *arguments], timeout)
