"""One writer per run dir: a job locks its dir before writing there, until its record is final.

Two `python train.py ckpt_path=last` started together, or two sweeps into one `hydra.sweep.dir`,
would append the same rows to `metrics.csv`, interleave `train.log` and overwrite each other's
checkpoints. So a job's first process (rank 0: the other ranks of a DDP, torchrun or SLURM job
write under its lock) takes an exclusive `flock` on `<run dir>/.writer.lock` and records who it is
in `.writer.json`: host, pid, start, command, and a heartbeat a thread refreshes every
HEARTBEAT_S. A second process stops at once with one paragraph naming the holder, having changed
no file in the dir.

- The lock file is opened without following a link, through the dir's own descriptor
  (`plugboard.core.job.run_files.open_lock_file`): `filelock` opens its path following links and
  truncating what it finds, so a link planted there would be written through.
- File locks are unreliable on network file systems (two hosts may both be granted one), so the
  record is judged too: a holder on another host whose heartbeat is younger than STALE_S holds
  the dir even when the OS granted the lock. A holder that died (kill -9: the OS frees its lock; a
  lost node: its heartbeat goes stale) is taken over with a warning saying so.
- On release the record gains `released`, so `holder_of` tells a run that ended from one whose
  process died. A single run takes the lock in the Hydra callback that claims its dir, before
  Hydra writes `.hydra/` and its log there; a sweep's job in `run_job`, after Hydra has written
  those (a sweep started into a dir where a job is held stops before that, in the callback).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import math
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from plugboard.core.errors import PlugboardError
from plugboard.core.job.launch import Launch
from plugboard.core.job.logs import get_logger
from plugboard.core.job.ranks import global_rank
from plugboard.core.job.run_files import open_lock_file, read_plain_text, write_text

log = get_logger(__name__)

LOCK_FILE, RECORD_FILE = ".writer.lock", ".writer.json"
HEARTBEAT_S = 30.0
# A holder on another host not heard from for this long is taken for lost (10 missed heartbeats).
STALE_S = 300.0
FUTURE_S = 300.0  # how far the clocks of hosts sharing a file system may differ
COMMAND_CHARS = 300


class RunDirBusy(PlugboardError):
    """Another process writes into the run dir."""


@dataclass(frozen=True)
class Holder:
    """Who holds, or last held, a run dir's lock (`.writer.json`)."""

    host: str
    pid: int
    started: str  # ISO times, UTC
    heartbeat: str
    command: str
    released: str | None = None
    # A unique launch's name (a SLURM job id, a torchrun run id): the same launch, requeued or
    # restarted, takes over its own lock at once, wherever the holder ran.
    launch: str | None = None

    @property
    def heard_from_s(self) -> float:
        """Seconds since the holder's last heartbeat."""
        return time.time() - datetime.fromisoformat(self.heartbeat).timestamp()

    @property
    def fresh(self) -> bool:
        """Heard from within STALE_S; a heartbeat further in the future than clocks differ is none."""
        return -FUTURE_S <= self.heard_from_s < STALE_S

    def describe(self) -> str:
        """For the paragraph: anyone who can write the dir can write the record, so its text is shown
        with control characters escaped (no line breaks, no terminal escapes)."""
        return (
            f"pid {self.pid} on {_printable(self.host)}, since {_printable(self.started)} "
            f"(`{_printable(self.command)}`), last heard from {max(0.0, self.heard_from_s):.0f} s ago"
        )


def holder_of(run_dir: str | Path) -> Holder | None:
    """The dir's lock record, read without taking the lock or following a link; None when there is
    none, or it is no record (garbage is not trusted: the OS lock then decides alone)."""
    text = read_plain_text(Path(run_dir) / RECORD_FILE, limit=64 * 1024)
    try:
        fields = json.loads(text) if text is not None else None
        holder = Holder(**fields) if isinstance(fields, dict) else None
    except Exception:  # not JSON, nested too deep, numbers out of range, other keys: garbage
        return None
    if holder is None or not _well_formed(holder):
        return None
    return holder


def _well_formed(holder: Holder) -> bool:
    texts = (holder.host, holder.started, holder.heartbeat, holder.command)
    optional = (holder.released, holder.launch)
    if type(holder.pid) is not int or not all(isinstance(text, str) for text in texts):
        return False
    if not all(value is None or isinstance(value, str) for value in optional):
        return False
    try:
        return math.isfinite(holder.heard_from_s)
    except (ValueError, OverflowError, OSError):
        return False


def is_held(run_dir: str | Path) -> bool:
    """Whether a process writes into the dir now: its lock is taken on this host, or its record
    names a live holder on another host (a fresh heartbeat, not released)."""
    holder = holder_of(run_dir)
    if holder is not None and holder.released is None and holder.host != socket.gethostname():
        return holder.fresh
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a planted FIFO must not block
    try:
        descriptor = os.open(Path(run_dir) / LOCK_FILE, flags)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False  # planted (a folder, a FIFO): nobody holds it; taking it says so (`acquire`)
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing frees a shared lock taken just to ask


class RunLock:
    """The held lock of one run dir; `release` once the job's record is final."""

    def __init__(self, run_dir: Path, descriptor: int) -> None:
        self.run_dir, self._descriptor = run_dir, descriptor
        now = _now()
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:COMMAND_CHARS]
        launch = Launch.from_environment()
        unique = launch.key if launch is not None and launch.unique else None
        self.holder = Holder(socket.gethostname(), os.getpid(), now, now, command, launch=unique)
        self._stop = threading.Event()
        self._write(self.holder)
        self._beating = threading.Thread(target=self._beat, name="run-dir-heartbeat", daemon=True)
        self._beating.start()

    def release(self) -> None:
        if os.getpid() != self.holder.pid:  # a forked child (a DataLoader worker) holds nothing
            return
        self._stop.set()
        self._beating.join()
        with contextlib.suppress(OSError):  # a full disk must not hide the job's own outcome
            self._write(Holder(**{**asdict(self.holder), "heartbeat": _now(), "released": _now()}))
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            if not self._still_ours():
                log.warning(
                    f"The lock file of {self.run_dir} was removed, replaced or moved while this job runs: "
                    "another process may now write there too. Its heartbeat stops."
                )
                return
            with contextlib.suppress(OSError):  # the next beat tries again
                self._write(Holder(**{**asdict(self.holder), "heartbeat": _now()}))

    def _still_ours(self) -> bool:
        """The lock file at the dir's path is the one this process locked (never re-created there)."""
        try:
            here = os.stat(self.run_dir / LOCK_FILE, follow_symlinks=False)
        except OSError:
            return False
        held = os.fstat(self._descriptor)
        return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)

    def _write(self, holder: Holder) -> None:
        write_text(self.run_dir, RECORD_FILE, json.dumps(asdict(holder), indent=1) + "\n")


def acquire(run_dir: str | Path) -> RunLock:
    """Takes `run_dir`'s lock, or raises RunDirBusy naming its holder (having written nothing)."""
    run_dir = Path(os.path.abspath(run_dir))
    descriptor = open_lock_file(run_dir, LOCK_FILE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise RunDirBusy(busy_paragraph(run_dir, holder_of(run_dir))) from None
    try:
        _refuse_a_live_holder(run_dir, holder_of(run_dir))
        return RunLock(run_dir, descriptor)
    except BaseException:
        os.close(descriptor)  # frees the lock taken above
        raise


def _refuse_a_live_holder(run_dir: Path, earlier: Holder | None) -> None:
    """The OS granted the lock; the record may still name a live holder: on another host (a network
    file system grants locks to both), or on this one when the lock file was removed or replaced
    under it (its heartbeat is fresh and its pid runs). Otherwise the holder is taken over."""
    if earlier is None or earlier.released is not None:
        return
    elsewhere = earlier.host != socket.gethostname()
    launch = Launch.from_environment()
    restarted = earlier.launch is not None and launch is not None and earlier.launch == launch.key
    beating_here = not elsewhere and earlier.heard_from_s < 2 * HEARTBEAT_S and _runs(earlier.pid)
    if not restarted and ((elsewhere and earlier.fresh) or beating_here):
        raise RunDirBusy(busy_paragraph(run_dir, earlier))
    why = "this launch, requeued or restarted" if restarted else "it is gone"
    why = f"its heartbeat is {earlier.heard_from_s:.0f} s old" if elsewhere and not restarted else why
    log.warning(f"Taking over the run dir {run_dir} from {earlier.describe()}: {why}.")


def _runs(pid: int) -> bool:
    """Whether a process with this pid runs on this host (it may be another program: pids are reused)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid < 2**22
    return True


_held: dict[str, RunLock] = {}


def _forget_in_child() -> None:
    """A forked child (a DataLoader worker) shares the lock's file description: it must neither
    release it nor keep it after its parent dies, so it closes its copy and holds nothing."""
    for lock in _held.values():
        with contextlib.suppress(OSError):
            os.close(lock._descriptor)
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def take(run_dir: str | Path) -> None:
    """This process holds `run_dir` from now on (rank 0 only; once per dir and process)."""
    key = os.path.realpath(run_dir)
    if global_rank(os.environ) == 0 and key not in _held:
        if not _held:
            atexit.register(_release_all)  # an entry point that never reaches run_job's end
        _held[key] = acquire(run_dir)


def release(run_dir: str | Path) -> None:
    """Lets go of `run_dir` if this process holds it."""
    lock = _held.pop(os.path.realpath(run_dir), None)
    if lock is not None:
        lock.release()


@contextlib.contextmanager
def one_writer(run_dir: str | Path) -> Iterator[None]:
    """Holds `run_dir` for the block (taken here unless this process took it already), then lets go."""
    take(run_dir)
    try:
        yield
    finally:
        release(run_dir)


def _release_all() -> None:
    while _held:
        _, lock = _held.popitem()
        with contextlib.suppress(OSError):
            lock.release()


def busy_paragraph(run_dir: Path, holder: Holder | None) -> str:
    who = holder.describe() if holder is not None else "a process that left no record of itself"
    return (
        f"Another process is writing into the run dir {run_dir}: {who}. Two writers would interleave "
        "its logs and metrics rows and overwrite each other's checkpoints, so this one stopped and "
        "changed nothing there. Wait for that one to end (or stop it), or start a new run (without "
        f"ckpt_path, or with another hydra.run.dir / hydra.sweep.dir). A holder that died is taken over "
        f"when the next process starts: at once on the same host, after {STALE_S:.0f} s without a "
        f"heartbeat from another host; if you know no process writes there, delete {RECORD_FILE} in it."
    )


def _printable(text: str) -> str:
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
