"""`python runs.py`: every run under a logs folder with its status, including `running` and `died`,
which only the run dir's lock can tell apart; filters, CSV, and a thousand runs listed quickly."""

from __future__ import annotations

import csv
import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_script
from readme_commands import documented_commands

from plugboard.core import runs
from plugboard.core.job.run_lock import acquire
from plugboard.core.paths import PROJECT_ROOT

HOLD = """
import sys, time
from plugboard.core.job.run_lock import acquire
lock = acquire(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def make_run(folder: Path, status: str | None = None, started: float = 1.7e9, **record: object) -> Path:
    """A run dir as a job leaves it: run_info.json, Hydra's files and, once it ended, metrics.json."""
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("- seed=1\n- data=dates\n")
    (folder / ".hydra" / "config.yaml").write_text("tags:\n- dev\n- baseline\nseed: 1\n")
    (folder / "run_info.json").write_text(json.dumps({"started": started}))
    if status is not None:
        fields = {"metrics": {"val/acc": 0.5, "val/acc_best": 0.75}, "monitor": {"metric": "val/acc"}}
        fields |= {"overrides": ["seed=1"], "duration_s": 125.0, **record}
        (folder / "metrics.json").write_text(json.dumps({"status": status, **fields}))
    return folder


def hold(run: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run), "60"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def statuses(root: Path) -> dict[str, str]:
    return {Path(entry.path).name: entry.status for entry in runs.index(root)}


def test_each_run_has_the_status_its_record_and_its_lock_say(tmp_path: Path):
    for status in ("done", "failed", "pruned", "interrupted"):
        make_run(tmp_path / "train" / "runs" / status, status)
    make_run(tmp_path / "train" / "runs" / "never_recorded")  # from before locks, no final record
    running, killed = make_run(tmp_path / "train" / "runs" / "running"), make_run(tmp_path / "t" / "killed")
    ended = make_run(tmp_path / "serve" / "runs" / "ended")
    acquire(ended).release()  # let go, but keeps no record (serve.py)
    holder, dead = hold(running), hold(killed)
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    try:
        assert statuses(tmp_path) == {
            "done": "done",
            "failed": "failed",
            "pruned": "pruned",
            "interrupted": "interrupted",
            "never_recorded": "died",
            "running": "running",
            "killed": "died",
            "ended": "ended",
        }
    finally:
        holder.kill()
        holder.wait()
    assert statuses(tmp_path)["running"] == "died"  # its holder is gone now


def test_a_resumed_run_that_finished_before_is_running_while_held(tmp_path: Path):
    run = make_run(tmp_path / "runs" / "a", "done")
    holder = hold(run)
    try:
        assert statuses(tmp_path) == {"a": "running"}
    finally:
        holder.kill()
        holder.wait()


def test_a_row_holds_the_start_duration_overrides_and_best_value(tmp_path: Path):
    make_run(tmp_path / "runs" / "a", "done")
    make_run(tmp_path / "runs" / "b")  # running or died: its overrides from Hydra's own file
    a, b = sorted(runs.index(tmp_path), key=lambda entry: entry.path)
    assert (a.status, a.duration_s, a.overrides, a.metric, a.best) == (
        "done",
        125.0,
        "seed=1",
        "val/acc",
        0.75,
    )
    assert a.started == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1.7e9))
    assert (b.overrides, b.metric, b.best) == ("seed=1 data=dates", "", None)


def test_filters_by_status_date_and_tag_and_newest_first(tmp_path: Path):
    make_run(tmp_path / "old", "done", started=time.mktime((2026, 1, 5, 12, 0, 0, 0, 0, -1)))
    make_run(tmp_path / "new", "failed", started=time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1)), error="boom")
    make_run(tmp_path / "newest", "done", started=time.mktime((2026, 12, 4, 12, 0, 0, 0, 0, -1)))
    (tmp_path / "newest" / ".hydra" / "config.yaml").write_text("tags: [other]\n")
    names = lambda entries: [Path(entry.path).name for entry in entries]  # noqa: E731
    assert names(runs.index(tmp_path)) == ["newest", "new", "old"]
    assert names(runs.index(tmp_path, statuses=["done"])) == ["newest", "old"]
    assert names(runs.index(tmp_path, since=runs._date("2026-12-01"))) == ["newest", "new"]
    assert names(runs.index(tmp_path, tag="baseline")) == ["new", "old"]


def test_the_terminal_shows_failed_runs_with_their_error_and_the_csv_holds_every_row(tmp_path: Path, capsys):
    make_run(tmp_path / "logs" / "a", "failed", error="CUDA out of memory.\nTried to allocate 2 GiB")
    make_run(tmp_path / "logs" / "b", "done")
    runs.main([str(tmp_path / "logs"), "--csv", str(tmp_path / "runs.csv")])
    out = capsys.readouterr().out
    assert "1 done, 1 failed" in out
    assert "CUDA out of memory. Tried to allocate 2 GiB" in out  # one line
    with open(tmp_path / "runs.csv") as file:
        rows = list(csv.DictReader(file))
    assert [(Path(row["path"]).name, row["status"]) for row in rows] == [("a", "failed"), ("b", "done")]


def test_links_half_written_records_and_checkpoints_are_never_followed_or_read(tmp_path: Path):
    make_run(tmp_path / "logs" / "a", "done")
    elsewhere = make_run(tmp_path / "elsewhere" / "b", "done")
    (tmp_path / "logs" / "link").symlink_to(elsewhere.parent)
    (tmp_path / "logs" / "a" / "metrics.json").write_text('{"status": "do')  # a run that died writing
    (tmp_path / "logs" / "a" / "checkpoints").mkdir()
    (tmp_path / "logs" / "a" / "checkpoints" / "last.ckpt").mkdir()  # not a file: never opened
    assert statuses(tmp_path / "logs") == {"a": "died"}


def test_a_thousand_runs_are_listed_in_a_few_seconds(tmp_path: Path):
    for number in range(1000):
        make_run(tmp_path / "train" / "multiruns" / f"sweep_{number // 100}" / str(number % 100), "done")
    started = time.perf_counter()
    entries = runs.index(tmp_path)
    took = time.perf_counter() - started
    assert len(entries) == 1000
    assert took < 5.0, f"{took:.1f} s"


def test_a_folder_that_is_not_there_is_one_line(tmp_path: Path):
    result = run_script("runs.py", [str(tmp_path / "nothing")])
    assert result.returncode == 1 and "is no folder" in result.stderr and "Traceback" not in result.stderr


RUNS_COMMANDS = [c for c in documented_commands() if c.words[:2] == ("python", "runs.py")]


def test_the_docs_show_runs_py_with_its_filters():
    shown = " ".join(" ".join(command.words) for command in RUNS_COMMANDS)
    assert all(option in shown for option in ("--status", "--since", "--tag", "--csv")), shown


@pytest.mark.parametrize("command", RUNS_COMMANDS, ids=str)
def test_the_documented_commands_run(command, tmp_path: Path):
    """Each `python runs.py ...` of the docs, on a logs folder of a done and a failed run."""
    make_run(tmp_path / "logs" / "train" / "runs" / "a", "done")
    make_run(tmp_path / "logs" / "train" / "runs" / "b", "failed", error="boom")
    arguments = [argument.replace("runs.csv", str(tmp_path / "runs.csv")) for argument in command.words[2:]]
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "runs.py"), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{shlex.join(command.words)}\n{result.stderr}"
    assert "Runs under" in result.stdout or "No run under" in result.stdout
