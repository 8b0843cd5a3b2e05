"""torch.compile's cache lives under the project (`paths.compile_cache_dir`): a second run of the
same job reads its compiled graphs back instead of compiling them again."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import TINY, run_entry_point
from omegaconf import OmegaConf

from plugboard.core.job.compile_cache import CACHE_VARIABLE, keep_compiled_code_in_project

# One short length (the decoder's loop is unrolled into the graph), one step, no validation or test.
ONE_COMPILED_STEP = [
    *TINY,
    "data.task.min_length=3",
    "data.task.max_length=3",
    "data.batch_size=8",
    "model.compile=true",
    "+trainer.max_steps=1",
    "+trainer.limit_val_batches=0",
    "test=false",
    "callbacks=none",
]


def test_the_cache_goes_where_the_paths_config_says(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    keep_compiled_code_in_project(OmegaConf.create({"paths": {"compile_cache_dir": str(tmp_path / "c")}}))
    assert Path(os.environ[CACHE_VARIABLE]) == tmp_path / "c"


def test_torchs_own_default_set_by_importing_lightning_is_replaced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    monkeypatch.setenv(CACHE_VARIABLE, os.path.abspath(default_cache_dir()))
    keep_compiled_code_in_project(OmegaConf.create({"paths": {"compile_cache_dir": str(tmp_path / "c")}}))
    assert Path(os.environ[CACHE_VARIABLE]) == tmp_path / "c"


def test_a_cache_dir_the_user_exported_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "mine"))
    keep_compiled_code_in_project(OmegaConf.create({"paths": {"compile_cache_dir": str(tmp_path / "c")}}))
    assert Path(os.environ[CACHE_VARIABLE]) == tmp_path / "mine"


def graphs(output: str) -> tuple[int, int, float]:
    """(read from the cache, compiled anew, seconds compiling), as the job's log line says."""
    pattern = r"torch.compile: (\d+) graph\(s\) read from the cache in \S+, (\d+) compiled anew; ([\d.]+) s"
    found = re.search(pattern, output)
    assert found, output[-3000:]
    return int(found.group(1)), int(found.group(2)), float(found.group(3))


@pytest.mark.slow
def test_a_second_compiled_run_reads_its_graphs_from_the_project_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Two train.py runs of the same job, one after the other, on an empty cache under tmp_path."""
    monkeypatch.delenv(CACHE_VARIABLE, raising=False)  # the user's choice would win
    cache = tmp_path / "compile_cache"
    overrides = [*ONE_COMPILED_STEP, f"paths.compile_cache_dir={cache}"]
    first = run_entry_point("train.py", overrides, tmp_path / "first", timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    _, compiled, seconds = graphs(first.stdout + first.stderr)
    assert compiled > 0  # (a graph met twice in one run is read back the second time)
    assert any(cache.rglob("*")), "nothing was written to the project's cache"

    second = run_entry_point("train.py", overrides, tmp_path / "second", timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    read_again, compiled_again, seconds_again = graphs(second.stdout + second.stderr)
    assert compiled_again == 0 and read_again >= compiled
    assert seconds_again * 3 < seconds  # C++ builds are most of a first compile on the CPU
