"""A run dir has one writer, and a place that cannot be written is one paragraph, through the real
entry points: two resumes of one run at once, a holder killed with SIGKILL, a sweep started into a
dir whose job is held, a log folder the user may not write, a full disk. (The lock itself, attacked:
tests/core/job/test_run_lock.py.)"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PROJECT_ROOT, TINY, copied_run, read_json, run_entry_point

from plugboard.core.job.run_lock import RECORD_FILE, holder_of

RESUME = ["data=dates", *TINY, "test=false", "callbacks.attention_heatmaps=null", "ckpt_path=last"]
HOLD = """
import sys, time
from plugboard.core.job.run_lock import acquire
lock = acquire(sys.argv[1])
print("held", flush=True)
time.sleep(600)
"""


def snapshot(folder: Path) -> dict[str, tuple]:
    return {
        str(path.relative_to(folder)): (path.lstat().st_mtime_ns, path.lstat().st_size)
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture
def holder() -> Iterator:
    """Starts another process that holds a dir's lock (until the test ends or kills it)."""
    started: list[subprocess.Popen] = []

    def hold(run_dir: Path) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout.readline().strip() == "held"
        started.append(process)
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output[-3000:]
    for word in words:
        assert word in output, output[-3000:]


def test_a_resume_of_a_run_another_process_holds_stops_and_changes_no_file(
    dates_checkpoint: Path, tmp_path: Path, holder
):
    run = copied_run(dates_checkpoint, tmp_path / "logs")
    held_by = holder(run)
    before = snapshot(run)
    result = run_entry_point("train.py", [*RESUME, "trainer.max_epochs=2"], tmp_path / "logs")
    assert_refused(
        result, "Another process is writing into the run dir", f"pid {held_by.pid}", "changed nothing"
    )
    assert snapshot(run) == before


def test_a_sweep_into_a_dir_whose_job_is_held_stops_before_any_job(tmp_path: Path, holder):
    sweep_dir = tmp_path / "sweep"
    (sweep_dir / "0").mkdir(parents=True)
    held_by = holder(sweep_dir / "0")
    before = snapshot(sweep_dir)
    result = run_entry_point(
        "train.py", ["-m", f"hydra.sweep.dir={sweep_dir}", "seed=1,2", "debug=fdr"], tmp_path
    )
    assert_refused(result, f"{sweep_dir / '0'}", f"pid {held_by.pid}")
    assert snapshot(sweep_dir) == before


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder every user may read (pytest's own temporary folders are its user's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="plugboard-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def readable_by_anyone(path: Path) -> bool:
    """Whether a user with no rights of its own can reach and read `path` (every folder on the way
    searchable by others, the file readable by others)."""
    path = Path(os.path.abspath(path))
    folders_open = all(folder.stat().st_mode & 0o001 for folder in path.parents)
    return folders_open and bool(path.resolve().stat().st_mode & 0o004)


def as_nobody(arguments: list[str], home: Path) -> subprocess.CompletedProcess:
    """`python train.py <arguments>` run as the unprivileged user `nobody`."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv, to run the entry point as an unprivileged user")
    for needed in (PROJECT_ROOT / "train.py", Path(sys.executable)):
        if not readable_by_anyone(needed):
            pytest.skip(f"{needed} lies where other users cannot read it (a copy in a private folder)")
    home.mkdir()
    os.chown(home, 65534, 65534)
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "train.py"]
    environment = {**os.environ, "HOME": str(home), "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*command, *arguments], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def test_a_log_folder_the_user_may_not_write_is_one_paragraph(shared_folder: Path, dates_checkpoint: Path):
    logs = shared_folder / "logs"
    logs.mkdir()
    result = as_nobody(["debug=fdr", f"paths.log_dir={logs}"], shared_folder / "home")
    assert_refused(result, f"Cannot write {logs}", "permission denied", "paths.log_dir=<folder>")
    assert list(logs.iterdir()) == []
    # A run of another user, resumed: refused before Hydra writes into it.
    run = copied_run(dates_checkpoint, logs)
    for folder in (logs, run.parent, run.parent.parent):
        folder.chmod(0o755)
    before = snapshot(run)
    result = as_nobody([*RESUME, "trainer.max_epochs=2", f"paths.log_dir={logs}"], shared_folder / "home2")
    assert_refused(result, f"Cannot write {run}", "permission denied")
    assert snapshot(run) == before


@pytest.fixture(params=[0, 8], ids=["full", "8 KiB free"])
def full_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs with no space left, or nearly none (mounting needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with open(mount / "filler", "wb", buffering=0) as filler, pytest.raises(OSError):
            while True:
                filler.write(b"\0" * 4096)
        os.truncate(mount / "filler", (mount / "filler").stat().st_size - request.param * 1024)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_one_paragraph_and_leaves_no_run_dir(full_disk: Path):
    logs = full_disk / "logs"
    result = run_entry_point("train.py", ["debug=fdr"], logs)
    assert_refused(result, "no space left on the device", "free some space")
    assert [path for path in logs.rglob("*") if "runs" in path.parent.parts] == []


def started_together(arguments: list[str], log_dir: Path, count: int = 2) -> list[tuple[int, str, str]]:
    """`python train.py <arguments>` started `count` times at once: each one's exit status and output."""
    command = [sys.executable, "train.py", *arguments, f"paths.log_dir={log_dir}"]
    environment = {**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"}
    processes = [
        subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    return [(process.returncode, out, err) for process, (out, err) in zip(processes, outputs, strict=True)]


def metrics_rows(run: Path) -> list[tuple]:
    with open(run / "csv" / "metrics.csv") as file:
        return [tuple(row.items()) for row in csv.DictReader(file)]


@pytest.mark.slow
def test_two_resumes_started_at_once_leave_one_writer(tmp_path: Path):
    """Both started together: exactly one trains, the other exits 1 and adds no row."""
    logs = tmp_path / "logs"
    first = run_entry_point("train.py", ["data=dates", *TINY, "test=false", "trainer.max_epochs=1"], logs)
    assert first.returncode == 0, first.stderr[-3000:]
    arguments = ["data=dates", *TINY, "test=false", "ckpt_path=last", "trainer.max_epochs=3"]
    results = started_together(arguments, logs)
    assert sorted(code for code, _, _ in results) == [0, 1], [err[-2000:] for _, _, err in results]
    (_, out, err) = next(result for result in results if result[0] == 1)
    assert "Another process is writing into the run dir" in err and "Traceback" not in out + err
    (run,) = (logs / "train" / "runs").iterdir()
    rows = metrics_rows(run)
    assert [row for row, count in Counter(rows).items() if count > 1] == []
    assert read_json(run / "metrics.json")["status"] == "done"
    assert holder_of(run).released is not None


@pytest.mark.slow
def test_a_resume_takes_over_from_a_holder_killed_with_sigkill(
    dates_checkpoint: Path, tmp_path: Path, holder
):
    run = copied_run(dates_checkpoint, tmp_path / "logs")
    dead = holder(run)
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    assert holder_of(run).pid == dead.pid and holder_of(run).released is None
    result = run_entry_point("train.py", [*RESUME, "trainer.max_epochs=2"], tmp_path / "logs")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Taking over the run dir {run} from pid {dead.pid}" in result.stdout + result.stderr
    assert read_json(run / "metrics.json")["status"] == "done"
    assert (run / RECORD_FILE).is_file() and holder_of(run).released is not None


@pytest.mark.slow
def test_two_sweeps_started_together_into_one_dir_the_second_stops_before_its_first_job(tmp_path: Path):
    """The sweep holds its dir: Hydra writes a job's .hydra/ and log before the job can take its
    own lock, so the second sweep must stop before any job."""
    sweep_dir = tmp_path / "sweep"
    arguments = ["-m", f"hydra.sweep.dir={sweep_dir}", "seed=1,2", "debug=fdr"]
    results = started_together(arguments, tmp_path / "logs")
    assert sorted(code for code, _, _ in results) == [0, 1], [err[-2000:] for _, _, err in results]
    (_, out, err) = next(result for result in results if result[0] == 1)
    assert "Another process is writing into the run dir" in err and "Traceback" not in out + err
    said = "\n".join(out + err for _, out, err in results)
    for job in ("0", "1"):
        assert read_json(sweep_dir / job / "metrics.json")["status"] == "done"
        assert said.count(f"Metrics written to {sweep_dir / job / 'metrics.json'}") == 1, said[-4000:]
        assert (sweep_dir / job / "train.log").read_text().count("Metrics written") == 1


@pytest.mark.slow
def test_a_sweep_job_whose_lock_file_cannot_be_made_is_skipped_in_one_paragraph(tmp_path: Path):
    sweep_dir = tmp_path / "sweep"
    (sweep_dir / "0" / ".writer.lock").mkdir(parents=True)  # planted: a folder where the lock file goes
    result = run_entry_point(
        "train.py", ["-m", f"hydra.sweep.dir={sweep_dir}", "seed=1,2", "debug=fdr"], tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, output[-3000:]
    assert "Job not run, the sweep goes on" in output and "a folder has that name" in output
    assert not (sweep_dir / "0" / "metrics.json").exists()
    assert read_json(sweep_dir / "1" / "metrics.json")["status"] == "done"
