"""Every file the project writes into a run dir goes through here, and no link is ever followed.

A run dir can be shared (a group folder, a cluster scratch space) or come back from elsewhere
(a copied run resumed with `ckpt_path=last`), so anyone may have planted a symlink or a hard
link in it: writing through one would overwrite a file outside the run. So:

- `write_text` / `write_bytes` / `replacing` write a temporary file created next to the target
  (`O_EXCL | O_NOFOLLOW`), then rename it into place: a link at the target is replaced, never
  followed, and a reader never sees half a file;
- `appending` opens an existing file for appending (a log, `metrics.csv`) without following a
  link, and refuses one with other names (a hard link); `open_lock_file` likewise opens the file
  a job locks its run dir with;
- every folder on the way from the run dir to the file is opened without following a link;
- a path that is not inside the run dir (`..`, an absolute path elsewhere) is refused;
- `check_run_dir` walks a whole run dir and refuses it if it holds a hard link or a symbolic link
  that leads out of it (links within the run are fine, and `wandb/` is wandb's own): Hydra writes
  `.hydra/*` and its job log itself, so a resumed run dir is checked before Hydra starts (the
  Hydra callback `plugboard.core.job.run_dir.OneRunDirPerJob`);
- a place that cannot be written (read-only, no permission, no space) is one paragraph.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import IO

from plugboard.core.errors import PlugboardError

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NO_LINK = getattr(os, "O_NOFOLLOW", 0)
THIRD_PARTY_FOLDER = "wandb"  # wandb's own folder in a run dir, with links it makes itself


class RunDirError(PlugboardError, OSError):
    """A run dir that holds a planted link, or a file that cannot be written there."""


def write_text(run_dir: str | Path, path: str | PurePath, text: str) -> Path:
    """Writes `text` (UTF-8) to `path` (inside `run_dir`, or relative to it) atomically."""
    return write_bytes(run_dir, path, text.encode("utf-8"))


def write_bytes(run_dir: str | Path, path: str | PurePath, data: bytes) -> Path:
    """Writes `data` to `path` (inside `run_dir`, or relative to it) atomically."""
    with replacing(run_dir, path, binary=True) as file:
        file.write(data)
    return inside(run_dir, path)


@contextlib.contextmanager
def replacing(run_dir: str | Path, path: str | PurePath, binary: bool = False) -> Iterator[IO]:
    """A new file that replaces `path` when the block ends without an error (else is removed)."""
    target = inside(run_dir, path)
    with _folder_of(run_dir, target) as folder:
        temporary = f".{target.name}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK | getattr(os, "O_CLOEXEC", 0)
        descriptor = _os_call(target, lambda: os.open(temporary, flags, 0o666, dir_fd=folder))
        try:
            with _opened(descriptor, binary) as file:
                yield file
            _os_call(target, lambda: os.replace(temporary, target.name, src_dir_fd=folder, dst_dir_fd=folder))
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
            if _is_unwritable(error):  # the disk filled up while writing
                raise cannot_write(target, error) from None
            raise


@contextlib.contextmanager
def appending(run_dir: str | Path, path: str | PurePath, binary: bool = False) -> Iterator[IO]:
    """`path` opened for appending (created when missing), refused when it is a link."""
    target = inside(run_dir, path)
    with _folder_of(run_dir, target) as folder:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NO_LINK | getattr(os, "O_CLOEXEC", 0)
        descriptor = _os_call(target, lambda: os.open(target.name, flags, 0o666, dir_fd=folder))
        if os.fstat(descriptor).st_nlink > 1:
            os.close(descriptor)
            raise RunDirError(_planted(target, "has other names (a hard link)"))
        try:
            with _opened(descriptor, binary) as file:
                yield file
        except OSError as error:
            if _is_unwritable(error):
                raise cannot_write(target, error) from None
            raise


def open_lock_file(run_dir: str | Path, path: str | PurePath) -> int:
    """A descriptor of `path` opened for reading and writing (created when missing, never truncated),
    refused when it is a link or not a plain file: a file to `flock`, for
    `plugboard.core.job.run_lock`."""
    target = inside(run_dir, path)
    with _folder_of(run_dir, target) as folder:
        flags = os.O_RDWR | os.O_CREAT | _NO_LINK | getattr(os, "O_CLOEXEC", 0)
        descriptor = _os_call(target, lambda: os.open(target.name, flags, 0o644, dir_fd=folder))
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode) or status.st_nlink > 1:
        os.close(descriptor)
        raise RunDirError(_planted(target, "is not a plain file of its own (a hard link, or a device)"))
    return descriptor


def inside(run_dir: str | Path, path: str | PurePath) -> Path:
    """`path` as an absolute path inside `run_dir`; refused when it leads out of it."""
    root = Path(os.path.abspath(run_dir))
    candidate = Path(path)
    target = Path(os.path.abspath(root / candidate))
    if ".." in candidate.parts or not target.is_relative_to(root) or target == root:
        raise RunDirError(
            f"Refusing to write {path}: it is not a file inside the run dir {root}. Everything a run "
            "writes stays in its run dir; give a name inside it."
        )
    return target


def read_plain_text(path: str | Path, limit: int = 1 << 20) -> str | None:
    """A small record of a run (run_info.json, metrics.json) read as UTF-8; None when it is missing,
    a link, not a plain file, larger than `limit` bytes, or unreadable."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NO_LINK | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        try:
            return file.read(limit).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def check_run_dir(run_dir: str | Path) -> None:
    """Refuses a run dir that is a link, or holds a hard link or a symlink leading out of it."""
    root = Path(run_dir)
    if root.is_symlink():
        raise RunDirError(_planted(root, "is a symbolic link", whole=True))
    if not root.is_dir():
        return
    for folder, folders, files in os.walk(root):
        if Path(folder) == root and THIRD_PARTY_FOLDER in folders:
            folders.remove(
                THIRD_PARTY_FOLDER
            )  # wandb links its own logs from there; nothing else writes there
        for name in folders + files:
            entry = Path(folder, name)
            try:
                status = entry.lstat()
            except FileNotFoundError:  # a temporary file another rank just renamed into place
                continue
            if stat.S_ISLNK(status.st_mode) and not _leads_inside(entry, root):
                raise RunDirError(_planted(entry, "is a symbolic link that leads out of the run"))
            if not stat.S_ISDIR(status.st_mode) and status.st_nlink > 1:
                raise RunDirError(_planted(entry, "has other names (a hard link)"))


def _leads_inside(link: Path, root: Path) -> bool:
    """A link within the run to a place within the run (wandb's `latest-run`) writes nowhere else."""
    return Path(os.path.realpath(link)).is_relative_to(Path(os.path.realpath(root)))


def _planted(path: Path, what: str, whole: bool = False) -> str:
    where = "The run dir " if whole else ""
    return (
        f"{where}{path} {what}; writing there could overwrite a file outside the run, so nothing "
        "was written. Plugboard never makes such a link: someone else put it there. Remove it "
        "(`rm` removes the link, not its target) after checking who did, or start a new run."
    )


@contextlib.contextmanager
def _folder_of(run_dir: str | Path, target: Path) -> Iterator[int]:
    """The folder holding `target`, opened link by link from the run dir (made where missing)."""
    root = Path(os.path.abspath(run_dir))
    if root.is_symlink():
        raise RunDirError(_planted(root, "is a symbolic link", whole=True))
    _os_call(root, lambda: root.mkdir(parents=True, exist_ok=True))
    folder = _os_call(root, lambda: os.open(root, _FOLDER | _NO_LINK))
    try:
        for part in target.parent.relative_to(root).parts:
            child = _child_folder(folder, part, target)
            os.close(folder)
            folder = child
        yield folder
    finally:
        os.close(folder)


def _child_folder(folder: int, name: str, target: Path) -> int:
    with contextlib.suppress(FileExistsError):
        _os_call(target, lambda: os.mkdir(name, dir_fd=folder))
    if stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode):  # O_NOFOLLOW would say ENOTDIR
        raise RunDirError(_planted(target, "is reached through a symbolic link"))
    return _os_call(target, lambda: os.open(name, _FOLDER | _NO_LINK, dir_fd=folder))


def _opened(descriptor: int, binary: bool) -> IO:
    if binary:
        return os.fdopen(descriptor, "wb")
    return io.TextIOWrapper(os.fdopen(descriptor, "wb"), encoding="utf-8", newline="")


def _os_call(target: Path, call):  # noqa: ANN001, ANN202 (a thunk, its result)
    try:
        return call()
    except FileExistsError:
        raise
    except OSError as error:
        raise RunDirError(_unwritable(target, error)) from None


def cannot_write(target: Path, error: OSError) -> RunDirError:
    """The paragraph for a place that cannot be written (read-only, no permission, no space)."""
    return RunDirError(_unwritable(target, error))


_REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EISDIR: "a folder has that name",
    errno.ENOTDIR: "a file (or a link) stands where a folder is needed",
}


def _is_unwritable(error: BaseException) -> bool:
    """An error of the place written to (not of what was being written)."""
    return isinstance(error, OSError) and not isinstance(error, RunDirError) and error.errno in _REASONS


def _unwritable(target: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP or (error.errno == errno.EMLINK and _NO_LINK):
        return _planted(target, "is reached through a symbolic link")
    reason = _REASONS.get(error.errno, error.strerror or str(error))
    return (
        f"Cannot write {target}: {reason}. Choose a log folder this user can write to "
        "(paths.log_dir=<folder>, or hydra.run.dir=<folder>), or free some space, then run again."
    )
