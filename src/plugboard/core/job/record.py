"""What a run leaves behind for people and for `compare.py`: metrics.json and run_info.json."""

from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from plugboard.core.job.ranks import rank_zero_only
from plugboard.core.job.run_files import read_plain_text, write_text
from plugboard.core.paths import PROJECT_ROOT

METRICS_FILE = "metrics.json"
# Per metric, the range and direction its class declares (plugboard.core.job.declared_ranges).
RANGES_KEY = "metric_ranges"
RUN_INFO_FILE = "run_info.json"
STARTED = "started"  # seconds since the epoch, in run_info.json
LIBRARIES = ("torch", "lightning", "hydra-core", "omegaconf", "torchmetrics")


@rank_zero_only
def write_metrics(
    output_dir: Path, status: str, metrics: dict[str, float] | None = None, **fields: Any
) -> Path:
    """Writes `{"status": "done" | "failed", "metrics": {...}, ...}` atomically."""
    record = {"status": status, "metrics": metrics or {}, **fields}
    return write_text(output_dir, METRICS_FILE, json.dumps(record, indent=2, sort_keys=True) + "\n")


def read_metrics(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / METRICS_FILE
    return json.loads(path.read_text()) if path.exists() else None


@rank_zero_only
def write_run_info(output_dir: Path) -> None:
    """The provenance of a run: command line, git commit (and whether the tree was dirty), versions,
    and when the run first started (kept when it is resumed: `ckpt_path=last` picks runs by it)."""
    info = {
        STARTED: recorded_start(output_dir) or time.time(),
        "command": [Path(sys.executable).name, *sys.argv],
        "git": _git_state(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": {name: _version(name) for name in LIBRARIES},
    }
    write_text(output_dir, RUN_INFO_FILE, json.dumps(info, indent=2) + "\n")


@rank_zero_only
def add_to_run_info(output_dir: Path, key: str, value: Any) -> None:
    """Adds what the job learns once it runs (e.g. what a warm start took) to its run_info.json."""
    text = read_plain_text(Path(output_dir, RUN_INFO_FILE))
    info = json.loads(text) if text else {}
    info[key] = value
    write_text(output_dir, RUN_INFO_FILE, json.dumps(info, indent=2) + "\n")


def recorded_start(run_dir: Path) -> float | None:
    """When the run in `run_dir` first started (seconds since the epoch), as its run_info.json or
    metrics.json recorded it; None when neither records a number."""
    for name in (RUN_INFO_FILE, METRICS_FILE):
        text = read_plain_text(Path(run_dir, name))
        try:
            started = json.loads(text).get(STARTED) if text is not None else None
        except (ValueError, AttributeError):
            continue
        if isinstance(started, int | float) and not isinstance(started, bool) and math.isfinite(started):
            return float(started)
    return None


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
