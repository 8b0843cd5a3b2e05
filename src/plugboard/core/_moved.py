"""Old module names kept for one release after the 0.2.0 moves, each with one DeprecationWarning.

`import plugboard.core.trust` (or `from plugboard.core.launch import OneRunDirPerJob`, or a
config's `_target_: plugboard.core.preflight.CheckBeforeRunning`) still works: an import hook
(installed by `plugboard.core`) answers for the old name with a module holding the objects of
the new place(s). No file is left at the old paths, so the tree shows only where things are.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

MOVED_IN, REMOVED_IN = "0.2.0", "0.3.0"
_CORE = "plugboard.core"
# old module (under plugboard.core) -> its new module(s), objects looked up in order
MOVED: dict[str, tuple[str, ...]] = {
    "entry": ("job.entry",),
    "run_record": ("job.record",),
    "rank_zero": ("job.ranks",),
    "device_pool": ("job.device_pool",),
    "logging": ("job.logs",),
    "extras": ("job.extras",),
    "rich_config": ("job.extras",),
    "launch": ("job.launch", "job.run_dir"),
    "resume": ("checkpoints.resume", "job.run_dir"),
    "validation": ("config.validation",),
    "annotations": ("config.annotation_judge",),
    "constraints": ("config.ranges",),
    "provenance": ("config.provenance",),
    "preflight": ("config.preflight",),
    "sweep_jobs": ("config.sweep_jobs",),
    "resolvers": ("config.resolvers",),
    "instantiate": ("config.instantiate",),
    "checkpoint": ("checkpoints.load",),
    "trust": ("checkpoints.trust",),
    "rebuild": ("checkpoints.rebuild",),
}
# Renamed objects: old module -> {old name: (new module, new name)}
RENAMED: dict[str, dict[str, tuple[str, str]]] = {"launch": {"process_rank": ("job.ranks", "global_rank")}}


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `plugboard.core.<old>` and builds it from the new modules' objects."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        old = fullname.removeprefix(f"{_CORE}.")
        if fullname.startswith(f"{_CORE}.") and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a plain module, filled in below

    def exec_module(self, module: types.ModuleType) -> None:
        old = module.__name__.removeprefix(f"{_CORE}.")
        new = [f"{_CORE}.{name}" for name in MOVED[old]]
        warnings.warn(
            f"{module.__name__} moved to {' and '.join(new)} in Plugboard {MOVED_IN}; import it from "
            f"there (the old name goes in {REMOVED_IN}). CHANGELOG.md lists every moved module.",
            DeprecationWarning,
            stacklevel=2,
        )
        for name in reversed(new):  # the first module's objects win
            source = importlib.import_module(name)
            module.__dict__.update({k: v for k, v in vars(source).items() if not k.startswith("__")})
        for old_name, (new_module, new_name) in RENAMED.get(old, {}).items():
            setattr(module, old_name, getattr(importlib.import_module(f"{_CORE}.{new_module}"), new_name))
        module.__doc__ = f"Moved to {' and '.join(new)} in {MOVED_IN} (CHANGELOG.md)."


def install() -> None:
    """Adds the hook once (importing `plugboard.core` again adds nothing)."""
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(MovedModules())
