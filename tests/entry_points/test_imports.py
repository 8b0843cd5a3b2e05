"""Starting a run imports no optional heavy library that its config does not ask for.

`import lightning` already brings in scipy and matplotlib when they are installed (through
torchmetrics and torch._dynamo); the check is that our own modules add none of them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from plugboard.core.paths import PROJECT_ROOT

OPTIONAL = (
    "wandb",
    "mlflow",
    "optuna",
    "tensorboard",
    "tensorboardX",
    "matplotlib",
    "scipy",
    "pandas",
    "PIL",
)
NEVER_BY_DEFAULT = ("wandb", "mlflow", "optuna", "tensorboard", "tensorboardX", "pandas")

PROGRAM = f"""
import json, sys
OPTIONAL = {OPTIONAL!r}
def loaded():
    return {{name for name in sys.modules if name.split(".")[0] in OPTIONAL}}
import torch, lightning
before = loaded()
import plugboard.core.train, plugboard.core.eval
print(json.dumps({{"by_libraries": sorted(before), "by_us": sorted(loaded() - before)}}))
"""


def test_importing_the_entry_points_adds_no_optional_library():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    imported = json.loads(result.stdout.strip().splitlines()[-1])
    assert imported["by_us"] == [], f"plugboard imports {imported['by_us']} at start-up"
    top_level = {name.split(".")[0] for name in imported["by_libraries"]}
    assert not top_level & set(NEVER_BY_DEFAULT), f"imported by torch/lightning: {top_level}"
