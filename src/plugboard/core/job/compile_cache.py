"""torch.compile keeps what it compiled under the project (`paths.compile_cache_dir`), so a second
run of the same shapes reads it back instead of compiling again.

Inductor already caches compiled graphs (its FX-graph and AOTAutograd caches), but by default in
the machine's temp dir, which is emptied between sessions and shared by every project there. A
first run on an empty cache pays the whole compile (C++ builds on the CPU); a second run of the
same job reads the kernels back (docs/speed.md has the figures). The directory is set through
inductor's own variable, `TORCHINDUCTOR_CACHE_DIR`, before anything compiles; a value the user
exported is kept. Nothing is written there unless something compiles.
"""

from __future__ import annotations

import os

from omegaconf import DictConfig

from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

CACHE_VARIABLE = "TORCHINDUCTOR_CACHE_DIR"


def keep_compiled_code_in_project(cfg: DictConfig) -> None:
    """Points inductor's cache at `paths.compile_cache_dir`, unless the user chose one.

    Importing Lightning already sets the variable to torch's default (inductor writes back the
    directory it computed), so a value equal to that default counts as unchosen."""
    directory = cfg.get("paths", {}).get("compile_cache_dir")
    if directory and os.environ.get(CACHE_VARIABLE) in (None, _torch_default()):
        os.environ[CACHE_VARIABLE] = str(directory)


def _torch_default() -> str:
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    return os.path.abspath(default_cache_dir())


def compile_cache_counts() -> tuple[int, int, float]:
    """(graphs read from inductor's FX-graph cache, graphs compiled anew, seconds spent compiling)
    so far in this process: dynamo's own counters and its timer of whole compiles."""
    import sys

    if "torch._dynamo" not in sys.modules:  # nothing compiled: do not import the compiler for this
        return 0, 0, 0.0
    from torch._dynamo.utils import compilation_time_metrics, counters

    seconds = sum(compilation_time_metrics.get("_compile.compile_inner", []))
    return counters["inductor"]["fxgraph_cache_hit"], counters["inductor"]["fxgraph_cache_miss"], seconds


def report_compile_cache_use(before: tuple[int, int, float] = (0, 0, 0.0)) -> None:
    """Logs how many graphs the job read from the cache, how many it compiled anew and the time it
    spent compiling, counted from `before` (the counts when the job started: a sweep's jobs share
    one process)."""
    hits, misses, seconds = (now - then for now, then in zip(compile_cache_counts(), before, strict=True))
    if hits or misses:
        log.info(
            f"torch.compile: {hits} graph(s) read from the cache in {os.environ.get(CACHE_VARIABLE)}, "
            f"{misses} compiled anew; {seconds:.1f} s compiling"
        )
