"""The one dir a job writes into: named when the config resolves, claimed when the job starts.

- Named (`run_dir`, the `${plugboard_run_dir:...}` resolver of configs/hydra/default.yaml): a new
  run gets `runs/<start time>`; a resumed run (`ckpt_path=last`, or a checkpoint inside a run of
  the same task) its own dir, so its logs continue where they stopped. Naming creates nothing.
- Claimed (`OneRunDirPerJob`, a Hydra callback, as the run starts): a new dir is made with an
  atomic mkdir, `_1`, `_2`, ... when another run started in the same second; then locked, new or
  resumed, so that it has one writer (`plugboard.core.job.run_lock`).
- Agreed (`agreed_run_dir`): when torchrun or SLURM start every process of a job themselves,
  each runs Hydra and would claim a dir of its own. They agree through a small file named after
  the launch (`plugboard.core.job.launch.Launch`): rank 0 claims the dir and writes its path
  there, the others wait for it. A requeued SLURM job keeps its id, so it goes on in its own dir.
  (Lightning's own DDP processes are given rank 0's dir on their command line instead.)
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, read_write

from plugboard.core.checkpoints.resume import LAST, LAST_CHECKPOINT
from plugboard.core.errors import ConfigError
from plugboard.core.job import run_lock
from plugboard.core.job.launch import Launch, log_file_of_rank
from plugboard.core.job.record import recorded_start
from plugboard.core.job.run_files import RunDirError, cannot_write, check_run_dir
from plugboard.core.job.run_lock import RunDirBusy, busy_paragraph, holder_of, is_held

log = logging.getLogger(__name__)  # no rank filter needed: only rank 0 claims

LAUNCHES_DIR = ".launches"  # beside runs/ and multiruns/ in logs/<task>/
WAIT_FOR_RANK_ZERO_S = 300.0
# A record left by an earlier torchrun launch without a run id ("none") on the same port is
# older than this; the processes of one launch start within seconds of each other.
FRESH_RECORD_S = 120.0
# Clocks of the nodes that share a logs folder may differ by this much: "in the future" is beyond it.
CLOCK_SKEW_S = 300.0
RUN_NAME_FORMAT = "%Y-%m-%d_%H-%M-%S"  # configs/hydra/default.yaml names new runs so
MIN_FREE_BYTES = 1 << 20  # a run's config, logs and records alone take about this much


# ----- named ---------------------------------------------------------------------------------
def run_dir(ckpt_path: str | None, runs_dir: str, new_run_name: str) -> str:
    """The run dir for Hydra (`hydra.run.dir`): the resumed run's own, or `runs_dir/new_run_name`.

    Only a name: resolving a config creates nothing. With nothing to resume the run gets a new
    dir, where `checkpoint_to_resume` reports the problem.
    """
    resumed = resumed_run_dir(ckpt_path, runs_dir)
    return str(resumed) if resumed is not None else str(Path(runs_dir) / new_run_name)


def resumed_run_dir(ckpt_path: str | None, runs_dir: str | Path) -> Path | None:
    """The run of this task that `ckpt_path` continues (`last`, or a checkpoint inside one), if any."""
    if ckpt_path == LAST:
        return newest_resumable_run(runs_dir)
    if ckpt_path:
        runs = Path(runs_dir).resolve()
        checkpoint = Path(ckpt_path).resolve()
        if checkpoint.parent.name == "checkpoints" and checkpoint.parent.parent.parent == runs:
            return checkpoint.parent.parent
    return None


def newest_resumable_run(runs_dir: str | Path) -> Path | None:
    """The run that started last (by the start time its record holds, never by its folder's name)
    among the run dirs that hold a last.ckpt; runs whose start lies in the future are passed over."""
    runs = resumable_runs(runs_dir)
    return runs[-1][1] if runs else None


def resumable_runs(runs_dir: str | Path) -> list[tuple[float, Path]]:
    """(start time, run dir) of each run that holds a last.ckpt and did not start in the future,
    oldest first. A run that records no start (written before starts were recorded) is dated by its
    folder's name, else by the folder's own time, as long as that is not in the future either."""
    now = time.time() + CLOCK_SKEW_S
    found = []
    for checkpoint in Path(runs_dir).glob(f"*/{LAST_CHECKPOINT}"):
        run = checkpoint.parent.parent
        started = recorded_start(run)
        started = _time_in_name(run.name) if started is None else started
        started = run.lstat().st_mtime if started is None else started
        if started is not None and started <= now:
            found.append((started, _suffix(run.name), run))
    return [(started, run) for started, _, run in sorted(found)]


def describe_resumed_run(run_dir: str | Path) -> str:
    """Which run `ckpt_path=last` took, and why, for the log."""
    run_dir = Path(run_dir)
    runs = resumable_runs(run_dir.parent)
    started = dict((run, time_) for time_, run in runs).get(run_dir)
    when = datetime.fromtimestamp(started).isoformat(sep=" ", timespec="seconds") if started else "?"
    return (
        f"going on with {run_dir} (started {when}), the run of this task that started last of the "
        f"{len(runs)} that left a checkpoints/last.ckpt (runs are ordered by the start their "
        "run_info.json records, never by folder name; starts in the future are passed over)"
    )


def _time_in_name(name: str) -> float | None:
    try:
        return datetime.strptime(name[:19], RUN_NAME_FORMAT).timestamp()
    except ValueError:
        return None


def _suffix(name: str) -> int:
    """`_3` of `2026-01-01_12-00-00_3`: runs started in the same second, in the order they claimed."""
    tail = name[19:].lstrip("_")
    return int(tail) if tail.isdigit() else 0


# ----- claimed -------------------------------------------------------------------------------
_claimed_run_dirs: dict[tuple[str, str], str] = {}


def new_run_dir(runs_dir: str, name: str) -> str:
    """`runs_dir/name`, created here; with a suffix `_1`, `_2`, ... when another run holds it.

    Runs are named by their start second, so two started together (a script launching jobs,
    two terminals) would otherwise share a dir and overwrite each other's checkpoints and
    logs. The answer is kept for the process, as a run may ask more than once.
    """
    key = (runs_dir, name)
    if key not in _claimed_run_dirs:
        base = Path(runs_dir) / name
        candidate, suffix = base, 0
        while True:
            try:
                candidate.mkdir(parents=True)
                break
            except FileExistsError:
                suffix += 1
                candidate = base.with_name(f"{name}_{suffix}")
        _claimed_run_dirs[key] = str(candidate)
    return _claimed_run_dirs[key]


def claim_run_dir(resolved: str | Path, ckpt_path: str | None) -> Path:
    """The dir a starting run writes into, from what `run_dir` resolved: a resumed run keeps its
    own; a new one is claimed."""
    resolved = Path(resolved)
    resumed = resumed_run_dir(ckpt_path, resolved.parent)
    if resumed is not None and resumed.resolve() == resolved.resolve():
        return resolved
    return Path(new_run_dir(str(resolved.parent), resolved.name))


# ----- agreed by every process of a launch ---------------------------------------------------
def agreed_run_dir(resolved: str | Path, ckpt_path: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """The run dir of this process: its own claim, or for a multi-process launch rank 0's."""
    launch = Launch.from_environment(env)
    if launch is None:
        return claim_run_dir(resolved, ckpt_path)
    record = _launch_record(resolved, launch)
    if launch.rank > 0:
        return _wait_for_rank_zero(record, launch)
    earlier = _read(record) if launch.unique else None
    if earlier is not None and earlier.is_dir():
        log.warning(f"{launch.key} ran before (requeued or restarted): going on in {earlier}")
        return earlier
    chosen = claim_run_dir(resolved, ckpt_path)
    run_lock.take(chosen)  # before the other ranks are told the dir: they write under this lock
    record.parent.mkdir(parents=True, exist_ok=True)
    temporary = record.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"run_dir": str(chosen), "host": socket.gethostname()}) + "\n")
    temporary.replace(record)
    return chosen


class OneRunDirPerJob(Callback):
    """Hydra callback (configs/hydra/default.yaml): fixes the run dir as a run starts.

    Composing a config creates nothing; the dir is claimed here, once, by rank 0."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        launch = Launch.from_environment()
        if launch is not None:  # Lightning's own DDP processes are named by their job name instead
            log_file_of_rank(config, launch.rank)
        given = OmegaConf.to_container(config.hydra.run, resolve=False)["dir"]
        if not str(given).startswith("${plugboard_run_dir:"):
            # A dir on the command line, e.g. rank 0's passed to Lightning's DDP processes.
            _stop_if_planted(config.hydra.run.dir)
            _take_or_stop(config.hydra.run.dir)  # ranks > 0 write under rank 0's lock
            return
        try:
            chosen = agreed_run_dir(config.hydra.run.dir, config.get("ckpt_path"))
        except RunDirBusy as busy:
            _stop(busy)
        except OSError as error:  # a log folder that cannot be written: one paragraph
            _stop(
                error
                if isinstance(error, RunDirError)
                else cannot_write(Path(config.hydra.run.dir).parent, error)
            )
        _stop_if_planted(chosen)  # a resumed run's dir, before Hydra writes .hydra/ and its log there
        _take_or_stop(chosen)  # one writer, from before Hydra writes there until the record is final
        with read_write(config.hydra.run):
            config.hydra.run.dir = str(chosen)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """A sweep run again into its dir (`hydra.sweep.dir=...`) writes into its old job dirs: not
        while another process writes into one of them, nor through a planted link."""
        _stop_if_planted(config.hydra.sweep.dir)
        sweep_dir = Path(config.hydra.sweep.dir)
        held = [job for job in sorted(sweep_dir.glob("*/")) if not job.is_symlink() and is_held(job)]
        if held:
            _stop(RunDirBusy(busy_paragraph(held[0], holder_of(held[0]))))
        # The sweep holds its own dir too: Hydra writes a job's .hydra/ and log before the job can take
        # its lock, so a second sweep into this dir must stop here, before its first job.
        _take_or_stop(sweep_dir)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        run_lock.release(config.hydra.sweep.dir)

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        """A launch named only by its address leaves no record for the next one on that port."""
        launch = Launch.from_environment()
        if launch is not None and launch.rank == 0 and not launch.unique:
            _launch_record(config.hydra.run.dir, launch).unlink(missing_ok=True)


def _stop_if_planted(run_dir: str | Path) -> None:
    """Hydra writes `.hydra/*` and opens the job log itself, following links: a dir holding a
    planted link stops the run here, before any file in it has changed (exit status 1)."""
    try:
        check_run_dir(run_dir)
    except RunDirError as error:
        _stop(error)


def _take_or_stop(run_dir: str | Path) -> None:
    """The run dir's lock (`plugboard.core.job.run_lock`), or one paragraph and exit status 1. A new
    dir this process just made, and cannot write into (no space), is removed again."""
    try:
        _enough_space(Path(run_dir))
        run_lock.take(run_dir)
    except RunDirBusy as busy:
        _stop(busy)
    except Exception as error:  # Hydra would only warn of an error raised in its callback, and go on
        _remove_if_only_a_lock_file(Path(run_dir))
        _stop(
            error
            if isinstance(error, RunDirError) or not isinstance(error, OSError)
            else cannot_write(Path(run_dir), error)
        )


def _enough_space(run_dir: Path) -> None:
    """Hydra writes `.hydra/` and its log itself, where a full disk is a traceback: a disk with less
    than MIN_FREE_BYTES left (less than any run writes) is said here, before anything is written."""
    folder = next((path for path in (run_dir, *run_dir.parents) if path.is_dir()), None)
    if folder is None:
        return
    status = os.statvfs(folder)
    if status.f_bavail * status.f_frsize < MIN_FREE_BYTES:
        raise cannot_write(run_dir, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))


def _remove_if_only_a_lock_file(run_dir: Path) -> None:
    with contextlib.suppress(OSError):
        if {entry.name for entry in run_dir.iterdir()} <= {run_lock.LOCK_FILE}:
            (run_dir / run_lock.LOCK_FILE).unlink(missing_ok=True)
            run_dir.rmdir()


def _stop(error: BaseException) -> NoReturn:
    print(f"\nError: {error}", file=sys.stderr)
    sys.exit(1)


def _launch_record(run_dir_: str | Path, launch: Launch) -> Path:
    """`logs/<task>/.launches/<launch key>.json`, beside the task's `runs/`."""
    return Path(run_dir_).parent.parent / LAUNCHES_DIR / f"{launch.key}.json"


def _wait_for_rank_zero(record: Path, launch: Launch) -> Path:
    started = time.time()
    while time.time() - started < WAIT_FOR_RANK_ZERO_S:
        fresh = launch.unique or (record.is_file() and record.stat().st_mtime > started - FRESH_RECORD_S)
        if fresh and (chosen := _read(record)) is not None:
            return chosen
        time.sleep(0.2)
    raise ConfigError(
        f"Rank {launch.rank} waited {WAIT_FOR_RANK_ZERO_S:.0f} s for rank 0 to name the run dir in "
        f"{record}. Every process of a launch must see the same logs folder (paths.log_dir on a "
        "filesystem shared by all nodes); or give them all the same hydra.run.dir=<dir>."
    )


def _read(record: Path) -> Path | None:
    try:
        return Path(json.loads(record.read_text())["run_dir"])
    except (OSError, ValueError, KeyError):
        return None
