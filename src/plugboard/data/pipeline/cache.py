"""The pipeline's output kept on disk, so a second run over the same data skips the work.

The key is a hash of what the output depends on, never of where the data lies: the bytes of
the source files, the project version, every step with its arguments, the length bounds, and
the code of the step classes (a fixed step gives a new key). A vocabulary is not part of it: what is cached is
the pipeline's token examples, which no vocabulary changes; ids are made from them afresh
(one pass, a fraction of a second). Entries are plain JSON, written to a temporary name and
renamed into place, so a failed or interrupted run leaves nothing half-written and loading one
runs no code.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plugboard import __version__
from plugboard.core.job.logs import get_logger
from plugboard.data.pipeline.base import Example
from plugboard.data.pipeline.pipeline import Pipeline
from plugboard.data.pipeline.set_aside import log_set_aside

log = get_logger(__name__)
FORMAT = 1  # bump when the layout of a cache entry changes
Parts = dict[str, list[Example]]


def run_cached(
    pipeline: Pipeline,
    read_source: Callable[[], Parts],
    source_files: Sequence[Path],
    cache_dir: str | Path | None,
    check: Callable[[Parts], None] = lambda parts: None,
) -> Parts:
    """`pipeline` over each part of `read_source()`, from the cache when an entry for exactly
    this data, these steps and these bounds exists (only sources read from files are cached).
    An entry is written only for output that `check` (the family's) accepts: a pipeline that
    failed, or refused an example, leaves nothing in the cache."""
    missing = any(not Path(file).is_file() for file in source_files)  # the reader names it
    if cache_dir is None or not source_files or missing:
        parts = {part: pipeline.run(examples, part) for part, examples in read_source().items()}
        check(parts)
        return parts
    path = Path(cache_dir) / f"{cache_key(pipeline, source_files)}.json"
    entry = _read(path)
    if entry is not None:
        pipeline.report.update(entry["report"])
        log.info(f"Data pipeline: {len(pipeline.steps)} steps' output read from the cache, {path}")
        for part, record in entry["report"].items():
            log_set_aside(part, record)
        return {part: [_example(pair) for pair in examples] for part, examples in entry["parts"].items()}
    parts = {part: pipeline.run(examples, part) for part, examples in read_source().items()}
    check(parts)
    _write_atomically(path, {"parts": parts, "report": pipeline.report})
    log.info(f"Data pipeline: output cached in {path}")
    return parts


def cache_key(pipeline: Pipeline, source_files: Sequence[Path]) -> str:
    """A hash of the source files' bytes, the project version, the steps and their code."""
    digest = hashlib.sha256(f"plugboard {__version__}, cache format {FORMAT}\n".encode())
    for path in source_files:
        digest.update(_file_hash(Path(path)).encode())
    digest.update(json.dumps([pipeline.records(), pipeline.bounds.record()], sort_keys=True).encode())
    for module in sorted(
        {
            inspect.getsourcefile(cls)
            for step in pipeline.steps
            for cls in type(step).__mro__
            if cls.__module__.startswith("plugboard.") or cls is type(step)
        }
    ):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:32]


def _read(path: Path) -> dict[str, Any] | None:
    """A cache entry, or None when there is none (or it is unreadable: it is then made again)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning(f"Data pipeline: ignoring the unreadable cache entry {path} ({error}); making it again")
        return None
    return entry if isinstance(entry, dict) and {"parts", "report"} <= set(entry) else None


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(entry, file, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _example(pair: list[Any]) -> Example:
    return pair[0], pair[1]
