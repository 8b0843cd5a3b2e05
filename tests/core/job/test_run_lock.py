"""A run dir has one writer: the lock every job takes, attacked as a second process, a dead holder,
a lost node, a planted link and a garbage record would attack it. (Through the real entry points:
tests/entry_points/test_one_writer.py.)"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plugboard.core.job import run_lock
from plugboard.core.job.run_files import RunDirError
from plugboard.core.job.run_lock import LOCK_FILE, RECORD_FILE, RunDirBusy, acquire, holder_of, is_held

HOLD = """
import sys, time
from plugboard.core.job.run_lock import acquire
lock = acquire(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


def holding(run_dir: Path, seconds: float = 60.0, **env: str) -> subprocess.Popen:
    """Another process that takes `run_dir`'s lock and holds it for `seconds`."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert process.stdout.readline().strip() == "held"
    return process


def snapshot(run_dir: Path) -> dict[str, tuple]:
    return {
        str(path.relative_to(run_dir)): (path.lstat().st_mtime_ns, path.lstat().st_size, path.read_bytes())
        for path in sorted(run_dir.rglob("*"))
        if path.is_file()
    }


def record(run_dir: Path, **fields: object) -> None:
    """A lock record as another process would have left it."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    holder = {"host": "node-7", "pid": 4242, "started": now, "heartbeat": now, "command": "train.py"}
    (run_dir / RECORD_FILE).write_text(json.dumps({**holder, **fields}))


def ago(seconds: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def test_a_second_process_is_refused_with_the_holder_named_and_changes_nothing(tmp_path: Path):
    holder = holding(tmp_path)
    try:
        assert is_held(tmp_path)
        before = snapshot(tmp_path)
        with pytest.raises(RunDirBusy) as refused:
            acquire(tmp_path)
        message = str(refused.value)
        assert f"pid {holder.pid} on {socket.gethostname()}" in message
        assert "changed nothing there" in message and "start a new run" in message
        assert snapshot(tmp_path) == before
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_with_a_record_that_says_so(tmp_path: Path):
    lock = acquire(tmp_path)
    assert holder_of(tmp_path).pid == os.getpid() and holder_of(tmp_path).released is None
    lock.release()
    assert holder_of(tmp_path).released is not None
    assert not is_held(tmp_path)
    acquire(tmp_path).release()  # taken again at once


def test_a_holder_killed_with_sigkill_is_taken_over_with_a_warning(tmp_path: Path, caplog):
    holder = holding(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert holder_of(tmp_path).released is None  # it died without letting go
    assert not is_held(tmp_path)
    with caplog.at_level(logging.WARNING):
        acquire(tmp_path).release()
    assert f"from pid {holder.pid}" in caplog.text and "it is gone" in caplog.text


def test_a_recorded_pid_that_runs_another_program_does_not_hold_the_dir(tmp_path: Path, caplog):
    """A pid is reused: the record names a live process of this host, silent for longer than two
    heartbeats, and the lock is free."""
    record(tmp_path, host=socket.gethostname(), pid=os.getppid(), heartbeat=ago(3 * run_lock.HEARTBEAT_S))
    assert not is_held(tmp_path)
    with caplog.at_level(logging.WARNING):
        acquire(tmp_path).release()
    assert "it is gone" in caplog.text


def test_a_lock_file_removed_under_a_live_holder_does_not_let_a_second_writer_in(tmp_path: Path):
    """`rm .writer.lock` while the holder runs: a new file gets a new lock, but the holder's record
    is fresh and its pid runs, so the dir stays its own; the holder's heartbeat notices and stops."""
    holder = holding(tmp_path)
    try:
        (tmp_path / LOCK_FILE).unlink()
        with pytest.raises(RunDirBusy, match=f"pid {holder.pid}"):
            acquire(tmp_path)
    finally:
        holder.kill()
        holder.wait()


def test_the_heartbeat_stops_when_the_dir_was_moved_and_never_recreates_it(
    tmp_path: Path, monkeypatch, caplog
):
    monkeypatch.setattr(run_lock, "HEARTBEAT_S", 0.1)
    lock = acquire(tmp_path / "run")
    with caplog.at_level(logging.WARNING):
        (tmp_path / "run").rename(tmp_path / "moved")
        time.sleep(0.5)
    assert not (tmp_path / "run").exists()
    assert "was removed, replaced or moved" in caplog.text
    lock._stop.set()


FORK = """
import os, sys
from plugboard.core.job import run_lock
run_lock.take(sys.argv[1])
child = os.fork()
if child == 0:
    sys.exit(0)  # a DataLoader worker ending: its atexit must not let the parent's lock go
os.waitpid(child, 0)
print("forked", flush=True)
import time; time.sleep(60)
"""


def test_a_forked_child_neither_releases_nor_keeps_its_parents_lock(tmp_path: Path):
    parent = subprocess.Popen([sys.executable, "-c", FORK, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "forked"
        assert holder_of(tmp_path).released is None and is_held(tmp_path)
        with pytest.raises(RunDirBusy):
            acquire(tmp_path)
    finally:
        parent.kill()
        parent.wait()
    acquire(tmp_path).release()  # the parent gone, nothing (no forked copy) holds the dir


def test_a_fifo_or_a_folder_as_lock_file_does_not_hang_the_question_and_is_refused_as_planted(tmp_path: Path):
    os.mkfifo(tmp_path / LOCK_FILE)
    assert not is_held(tmp_path)  # answered at once: a sweep into the dir does not hang
    with pytest.raises(RunDirError, match="not a plain file of its own"):
        acquire(tmp_path)
    (tmp_path / LOCK_FILE).unlink()
    (tmp_path / LOCK_FILE).mkdir()
    assert not is_held(tmp_path)
    with pytest.raises(RunDirError, match="a folder has that name"):
        acquire(tmp_path)


@pytest.mark.parametrize(
    "garbage",
    [
        "[" * 60000,
        '{"host": "h", "pid": 1e400, "started": "x", "heartbeat": "x", "command": "c"}',
        '{"host": "h", "pid": 3, "started": "x", "heartbeat": "9999-99-99", "command": "c"}',
        '{"host": "h", "pid": 3, "started": "x", "heartbeat": "2026-01-01T00:00:00", "command": "c", '
        '"released": false}',
        '{"host": ["h"], "pid": 3, "started": "x", "heartbeat": "2026-01-01T00:00:00", "command": "c"}',
    ],
)
def test_a_record_crafted_to_break_the_reader_is_garbage(tmp_path: Path, garbage: str):
    (tmp_path / RECORD_FILE).write_text(garbage)
    assert holder_of(tmp_path) is None and not is_held(tmp_path)
    acquire(tmp_path).release()


def test_the_paragraph_escapes_control_characters_of_the_record(tmp_path: Path):
    record(tmp_path, command="train.py\n\nError: all good\u001b]0;owned\u0007", heartbeat=ago(5))
    with pytest.raises(RunDirBusy) as refused:
        acquire(tmp_path)
    message = str(refused.value)
    assert "\n" not in message and "\x1b" not in message and "\\n\\nError: all good" in message


def test_a_holder_on_another_host_holds_the_dir_while_its_heartbeat_is_fresh(tmp_path: Path):
    """On a network file system the OS may grant the lock to both hosts: the record decides."""
    record(tmp_path, heartbeat=ago(20))
    assert is_held(tmp_path)
    with pytest.raises(RunDirBusy, match="pid 4242 on node-7"):
        acquire(tmp_path)
    assert json.loads((tmp_path / RECORD_FILE).read_text())["host"] == "node-7"  # left as it was


def test_a_lost_node_is_taken_over_once_its_heartbeat_is_stale(tmp_path: Path, caplog):
    record(tmp_path, heartbeat=ago(run_lock.STALE_S + 5))
    assert not is_held(tmp_path)
    with caplog.at_level(logging.WARNING):
        acquire(tmp_path).release()
    assert "from pid 4242 on node-7" in caplog.text and "heartbeat is" in caplog.text


def test_a_requeued_launch_takes_over_its_own_lock_from_another_node(tmp_path: Path, monkeypatch, caplog):
    record(tmp_path, launch="slurm-981-batch")  # fresh: the node it ran on was preempted a moment ago
    monkeypatch.setenv("SLURM_JOB_ID", "981")
    monkeypatch.setenv("SLURM_PROCID", "0")
    monkeypatch.setenv("SLURM_JOB_NAME", "train")
    with caplog.at_level(logging.WARNING):
        lock = acquire(tmp_path)
    assert "this launch, requeued or restarted" in caplog.text
    assert holder_of(tmp_path).launch == "slurm-981-batch"
    lock.release()
    monkeypatch.setenv("SLURM_JOB_ID", "982")  # another job is refused the fresh lock of job 981
    record(tmp_path, launch="slurm-981-batch")
    with pytest.raises(RunDirBusy):
        acquire(tmp_path)


@pytest.mark.parametrize("garbage", [b"{not json", b"[1, 2]", b'{"host": 3}', b"\xff\xfe", b"{}" * 40000])
def test_a_garbage_record_is_not_trusted_the_os_lock_decides(tmp_path: Path, garbage: bytes):
    (tmp_path / RECORD_FILE).write_bytes(garbage)
    assert holder_of(tmp_path) is None and not is_held(tmp_path)
    lock = acquire(tmp_path)
    assert holder_of(tmp_path).pid == os.getpid()
    lock.release()


def test_a_held_dir_with_a_garbage_record_is_still_refused(tmp_path: Path):
    holder = holding(tmp_path)
    try:
        (tmp_path / RECORD_FILE).write_text("garbage")
        with pytest.raises(RunDirBusy, match="a process that left no record of itself"):
            acquire(tmp_path)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("name", [LOCK_FILE, RECORD_FILE])
def test_a_lock_file_planted_as_a_link_is_never_written_through(tmp_path: Path, name: str):
    run_dir, victim = tmp_path / "run", tmp_path / "victim"
    run_dir.mkdir()
    victim.write_text("not yours\n")
    (run_dir / name).symlink_to(victim)
    if name == LOCK_FILE:
        with pytest.raises(RunDirError, match="symbolic link"):
            acquire(run_dir)
    else:  # the record is replaced (temp + rename), the link with it, never followed
        acquire(run_dir).release()
        assert not (run_dir / name).is_symlink()
    assert victim.read_text() == "not yours\n"


def test_a_lock_file_planted_as_a_hard_link_or_a_fifo_is_refused(tmp_path: Path):
    run_dir, victim = tmp_path / "run", tmp_path / "victim"
    run_dir.mkdir()
    victim.write_text("not yours\n")
    os.link(victim, run_dir / LOCK_FILE)
    with pytest.raises(RunDirError, match="not a plain file of its own"):
        acquire(run_dir)
    (run_dir / LOCK_FILE).unlink()
    os.mkfifo(run_dir / LOCK_FILE)
    with pytest.raises(RunDirError, match="not a plain file of its own"):
        acquire(run_dir)
    assert victim.read_text() == "not yours\n"


def test_a_run_dir_that_is_a_link_is_refused(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "run").symlink_to(elsewhere)
    with pytest.raises(RunDirError, match="symbolic link"):
        acquire(tmp_path / "run")
    assert list(elsewhere.iterdir()) == []


RACE = """
import sys, time
from plugboard.core.job.run_lock import RunDirBusy, acquire
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
try:
    lock = acquire(sys.argv[1])
except RunDirBusy:
    print("refused")
else:
    print("won", flush=True)
    time.sleep(1.5)
    lock.release()
"""


def test_processes_racing_for_a_fresh_dir_leave_exactly_one_writer(tmp_path: Path):
    start = time.time() + 1.5
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(tmp_path / "run"), str(start)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outcomes = sorted(racer.communicate(timeout=60)[0].strip() for racer in racers)
    assert outcomes == ["refused", "refused", "refused", "won"]


def test_ranks_above_zero_write_under_rank_zeros_lock(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")  # a Lightning DDP process started for rank 1
    with run_lock.one_writer(tmp_path):
        assert not (tmp_path / LOCK_FILE).exists()
    monkeypatch.delenv("LOCAL_RANK")
    with run_lock.one_writer(tmp_path):
        assert is_held(tmp_path)  # held by this very process
        assert holder_of(tmp_path).pid == os.getpid()
    assert holder_of(tmp_path).released is not None


def test_the_heartbeat_is_refreshed_while_the_lock_is_held(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(run_lock, "HEARTBEAT_S", 0.2)
    lock = acquire(tmp_path)
    first = holder_of(tmp_path).heartbeat
    deadline = time.time() + 5
    while holder_of(tmp_path).heartbeat == first and time.time() < deadline:
        time.sleep(0.1)
    assert holder_of(tmp_path).heartbeat > first
    lock.release()


def test_a_heartbeat_from_the_future_does_not_hold_the_dir_forever(tmp_path: Path, caplog):
    """Clocks differ a little between hosts; a record dated an hour ahead is crafted or broken."""
    record(tmp_path, heartbeat=ago(-60))
    assert is_held(tmp_path)  # within how far clocks may differ
    record(tmp_path, heartbeat=ago(-3600))
    assert not is_held(tmp_path)
    with caplog.at_level(logging.WARNING):
        acquire(tmp_path).release()
    assert "from pid 4242 on node-7" in caplog.text


def test_a_fresh_record_whose_released_is_no_time_is_garbage_not_a_release(tmp_path: Path):
    record(tmp_path, released=False)
    assert holder_of(tmp_path) is None
    record(tmp_path, released=None)
    assert is_held(tmp_path)  # the same record, well formed: a live holder on node-7
