"""A real run imports no optional heavy library that its config does not ask for.

`python train.py debug=fdr` runs as a user runs it (the script as `__main__`), and records at
exit which modules the process loaded: none of wandb, mlflow, optuna or pandas, whose import
costs seconds and which only a logger, a sweeper or an analysis asks for. (Hydra's own answers,
`--help` and `--cfg job`, load not even torch: tests/entry_points/test_startup.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_script

NEVER_BY_DEFAULT = ("wandb", "mlflow", "optuna", "pandas")

RECORD_AT_EXIT = """
import atexit, json, runpy, sys
path = sys.argv.pop()
def record():
    with open(path, "w") as file:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), file)
atexit.register(record)
sys.argv[0] = "train.py"
runpy.run_path("train.py", run_name="__main__")
"""


def test_a_default_run_loads_no_optional_library(tmp_path: Path):
    record = tmp_path / "modules.json"
    arguments = ["debug=fdr", "extras.print_config=false", f"paths.log_dir={tmp_path}", str(record)]
    result = run_script("-c", [RECORD_AT_EXIT, *arguments], timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(json.loads(record.read_text()))
    assert {"torch", "lightning", "hydra"} <= loaded  # the record is of a run that trained
    assert loaded.isdisjoint(NEVER_BY_DEFAULT), sorted(loaded & set(NEVER_BY_DEFAULT))
