"""Loads checkpoints safely (tensors and plain data only) with errors a user can act on.

`read_checkpoint` is the one place a file becomes a Python object: `torch.load(weights_only=True)`
(no code from the file runs), then `plugboard.core.checkpoints.bounds` (nothing too large, deep
or long to walk). A file that is not a checkpoint is said to be what it is, from its first bytes
and its pickle read as data (`describe_file`), never with torch's advice to load it unsafely.
"""

from __future__ import annotations

import pickletools
import zipfile
from pathlib import Path
from typing import Any

from plugboard.core.errors import PlugboardError
from plugboard.core.handoff import METADATA_KEY

CONVERT = "python scripts/convert_checkpoint.py"
OPCODES_READ = 2_000_000  # of a pickle read as data to find the object it holds: plenty, and bounded
PICKLE_READ_BYTES = 64 << 20  # a bare pickle larger than this is not read to say what code it names
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
TOP_LEVEL_KEYS = ("hyper_parameters", "datamodule_hyper_parameters", "callbacks", "loops", "config")


class CheckpointError(PlugboardError, RuntimeError):
    """A checkpoint that is missing, unreadable or not one of ours."""


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A checkpoint train.py wrote: read by `read_checkpoint`, with its weights, config and metadata."""
    checkpoint = read_checkpoint(path)
    if not isinstance(checkpoint, dict) or any(key not in checkpoint for key in ("state_dict", "config")):
        raise CheckpointError(
            f"Checkpoint {path} lacks its weights or its config: it was not written by Plugboard's train.py."
        )
    if METADATA_KEY not in checkpoint:  # every checkpoint train.py writes now has one, maybe empty
        raise CheckpointError(
            f"Checkpoint {path} was written by an earlier version of Plugboard, before the model "
            f"families moved into packages of their own. `{CONVERT} {path} <new.ckpt>` writes a "
            "copy in the current format (same weights; class paths and saved data moved)."
        )
    return checkpoint


def read_checkpoint(path: str | Path) -> Any:
    """`torch.load(weights_only=True)`, then bounded: no code from the file runs while it is read."""
    import torch

    from plugboard.core.checkpoints.bounds import BoundsError, check_bounds

    path = Path(path)
    check_is_checkpoint_file(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch's own message suggests weights_only=False: never repeat it
        raise CheckpointError(_unreadable(path)) from None
    try:
        check_bounds(loaded)
    except BoundsError as error:
        raise CheckpointError(
            f"Refusing to read checkpoint {path}: {error}. A checkpoint train.py writes is far smaller "
            "and flatter; this file was made to exhaust memory or time. Nothing in it was used."
        ) from None
    return loaded


def check_is_checkpoint_file(path: str | Path) -> None:
    """Refuses, from its first bytes alone, a path that is no file or no PyTorch checkpoint (empty,
    text, another archive, a plain pickle): what the entry points check before printing anything."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"Checkpoint not found: {path}. Pass the path of a .ckpt file written by train.py."
        )
    what = describe_file(path, deep=False)
    if what is not None:
        raise CheckpointError(_unreadable(path, what))


def _unreadable(path: Path, what: str | None = None) -> str:
    what = what or describe_file(path, deep=True) or "a record inside it cannot be read"
    return (
        f"Cannot read checkpoint {path}: {what}. Use another checkpoint, e.g. last.ckpt or an "
        "earlier epoch of the same run, or retrain."
    )


def describe_file(path: Path, deep: bool = True) -> str | None:
    """What a file that torch cannot read as weights is, in words; None when it looks like a
    checkpoint (`deep`: also read its pickle, as data, for objects besides tensors)."""
    if path.stat().st_size == 0:
        return "the file is empty (a save that never finished)"
    with path.open("rb") as file:
        head = file.read(512)
    if head[:1] == b"\x80" and not _legacy_torch_format(head):  # a pickle, not torch's archive
        if path.stat().st_size > PICKLE_READ_BYTES:
            return "it is a Python pickle, not a checkpoint written by torch.save"
        return _describe_pickle(path.read_bytes())
    if head[:1] == b"\x80":
        return None
    if not head.startswith(b"PK"):
        kind = "a text file" if _text(head) else "another kind of file, or written by another program"
        return f"it is not a PyTorch checkpoint ({kind}; torch.save writes a zip archive)"
    if not zipfile.is_zipfile(path):
        return "the file is truncated: a zip archive that ends before its directory (a save cut short)"
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.endswith("/data.pkl")]
            if not names:
                return "it is a zip archive, but not one written by torch.save"
            if deep:
                return _objects_in(archive.read(names[0]), path)
    except (zipfile.BadZipFile, OSError, EOFError):
        return "the archive is damaged (a record inside it cannot be read)"
    return None


def _legacy_torch_format(head: bytes) -> bool:
    """torch.save's format before 1.6: a pickle that starts with torch's magic number."""
    return head[2:4] == b"\x8a\x0a" and int.from_bytes(head[4:14], "little") == LEGACY_MAGIC


def _text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut at the end of what was read
    return b"\x00" not in head


def _describe_pickle(data: bytes) -> str:
    """A bare pickle (not torch's format): plain data, or code it would run."""
    names = [name for name, _ in _globals_in(data)]
    if names:
        return (
            f"it is a Python pickle that names code to run when loaded ({', '.join(names[:3])}), not a "
            "checkpoint written by torch.save; loading it would run that code, which Plugboard never does"
        )
    return "it is a Python pickle, not a checkpoint written by torch.save"


def _objects_in(data: bytes, path: Path) -> str | None:
    """Which key of the checkpoint holds an object besides tensors and plain data, and its class."""
    import torch

    try:
        unsafe = set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # noqa: BLE001 (a damaged archive)
        return "the archive is damaged (a record inside it cannot be read)"
    if not unsafe:
        return None
    found = next(((name, key) for name, key in _globals_in(data) if name in unsafe), (sorted(unsafe)[0], ""))
    where = f" under {found[1]}" if found[1] else ""
    return (
        f"it holds a Python object{where} (class {found[0]}), besides tensors and plain data; loading it "
        "would run code named in the file, which Plugboard never does. Checkpoints that train.py writes "
        "now hold plain data whatever a module passes to save_hyperparameters (objects become their "
        "config): this one was written by an earlier version or another program. Retrain with this "
        "version, or resave its weights as plain tensors in code you trust"
    )


def _globals_in(data: bytes) -> list[tuple[str, str]]:
    """(module.name, the keys before it) of each class or function the pickle names, read as data."""
    found, strings = [], []
    try:
        for count, (opcode, argument, _) in enumerate(pickletools.genops(data)):
            if count > OPCODES_READ:
                break
            if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(str(argument))
            elif opcode.name in ("GLOBAL", "INST"):
                found.append((str(argument).replace(" ", "."), _keys(strings)))
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append((f"{strings[-2]}.{strings[-1]}", _keys(strings[:-2])))
    except Exception:  # noqa: BLE001 (a damaged pickle: what was found so far)
        pass
    return found


def _keys(strings: list[str]) -> str:
    """`hyper_parameters.net`: the last top-level key seen, and the key just before the object."""
    top = next((text for text in reversed(strings) if text in TOP_LEVEL_KEYS), None)
    last = strings[-1] if strings else None
    return ".".join(dict.fromkeys(filter(None, (top, last))))
