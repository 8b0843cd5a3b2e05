"""A run dir someone else can write into: links planted in it, and a planted run named to look
newest. `python train.py ckpt_path=last` must refuse the links before Hydra writes anything (no
file in the run dir changes, no link target is touched) and pick the run to resume by its
recorded start, never by its folder's name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import TINY, copied_run, read_json, run_entry_point

RESUME = ["data=dates", *TINY, "test=false", "callbacks.attention_heatmaps=null", "ckpt_path=last"]
PLANTED = (
    "config_tree.log",
    "run_info.json",
    "data_report.json",
    ".hydra/config.yaml",
    "csv/hparams.yaml",
    "attention/epoch_000.png",
    "metrics.json.tmp",
    "checkpoints/last.ckpt",
)


def snapshot(run: Path) -> dict[str, tuple]:
    return {
        str(path.relative_to(run)): (path.lstat().st_mtime_ns, path.lstat().st_size, path.is_symlink())
        for path in sorted(run.rglob("*"))
    }


def test_planted_links_stop_a_resume_before_anything_is_written(dates_checkpoint: Path, tmp_path: Path):
    run = copied_run(dates_checkpoint, tmp_path / "logs")
    outside = tmp_path / "outside"
    outside.mkdir()
    for number, name in enumerate(PLANTED):
        victim = outside / f"victim_{number}"
        victim.write_text(f"not yours {number}\n")
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).unlink(missing_ok=True)
        (run / name).symlink_to(victim)
    before = snapshot(run)
    result = run_entry_point("train.py", [*RESUME, "trainer.max_epochs=2"], tmp_path / "logs")
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output[-3000:]
    assert "is a symbolic link" in output and "nothing was written" in output
    assert snapshot(run) == before
    assert [path.read_text() for path in sorted(outside.iterdir())] == [
        f"not yours {number}\n" for number in range(len(PLANTED))
    ]


def test_last_resumes_the_run_that_started_last_not_the_newest_name(dates_checkpoint: Path, tmp_path: Path):
    run = copied_run(dates_checkpoint, tmp_path / "logs")
    planted = run.parent / "9999-01-01_00-00-00"
    shutil.copytree(run, planted)
    (planted / "run_info.json").write_text(json.dumps({"started": 253402300799.0}) + "\n")
    before = snapshot(planted)
    result = run_entry_point("train.py", [*RESUME, "trainer.max_epochs=2"], tmp_path / "logs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"ckpt_path=last: going on with {run}" in output
    assert read_json(run / "metrics.json")["status"] == "done" and snapshot(planted) == before
    assert (
        read_json(run / "run_info.json")["started"]
        == read_json(dates_checkpoint.parent.parent / "run_info.json")["started"]
    )
