"""What a run leaves behind for people and for `compare.py`: metrics.json and run_info.json."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from plugboard.core.job.ranks import rank_zero_only
from plugboard.core.paths import PROJECT_ROOT

METRICS_FILE = "metrics.json"
LIBRARIES = ("torch", "lightning", "hydra-core", "omegaconf", "torchmetrics")


@rank_zero_only
def write_metrics(
    output_dir: Path, status: str, metrics: dict[str, float] | None = None, **fields: Any
) -> Path:
    """Writes `{"status": "done" | "failed", "metrics": {...}, ...}` atomically."""
    record = {"status": status, "metrics": metrics or {}, **fields}
    path = Path(output_dir) / METRICS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    temporary.replace(path)
    return path


def read_metrics(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / METRICS_FILE
    return json.loads(path.read_text()) if path.exists() else None


@rank_zero_only
def write_run_info(output_dir: Path) -> None:
    """The provenance of a run: command line, git commit (and whether the tree was dirty), versions."""
    info = {
        "command": [Path(sys.executable).name, *sys.argv],
        "git": _git_state(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": {name: _version(name) for name in LIBRARIES},
    }
    Path(output_dir, "run_info.json").write_text(json.dumps(info, indent=2) + "\n")


def _git_state() -> dict[str, Any] | None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None
