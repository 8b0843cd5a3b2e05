import os
import sys
from pathlib import Path

import pytest

# Tests import their helpers (tests/support/) as plain modules; wandb never tries to reach a server.
sys.path.insert(0, str(Path(__file__).parent / "support"))
os.environ.setdefault("WANDB_MODE", "offline")


@pytest.fixture(scope="session")
def dates_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained for one epoch on `data=dates` (char-level text in, ISO date out).

    Trained once per test process through the real `train.py`; the tests that use it need a
    real checkpoint of our format, not a good model.
    """
    from helpers import TINY, read_json, run_entry_point, single_run_dir

    log_dir = tmp_path_factory.mktemp("dates_checkpoint")
    overrides = [
        "data=dates",
        *TINY,
        "trainer.max_epochs=1",
        "test=false",
        "callbacks.attention_heatmaps=null",
    ]
    result = run_entry_point("train.py", overrides, log_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return Path(read_json(single_run_dir(log_dir) / "metrics.json")["best_checkpoint"])
