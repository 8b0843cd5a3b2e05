"""Nothing that opens or writes takes its place from a saved file: the current project says where.

A saved config names folders and addresses: a data `cache_dir`, a logger's `save_dir`, a
checkpoint callback's `dirpath`, a tracking URI. Rebuilt as saved, a crafted checkpoint would
make eval write wherever it likes, or open a connection while a class is built. So before a
saved config is built, `with_local_values` gives every such argument the value this project's
config file gives the same target at the same place (`${paths.cache_dir}`, resolved with the
current `paths`), or leaves it out (the constructor's default) when the project gives none.
Arguments that name a folder, file or address to write to or connect to are found by name
(`*_dir`, `dirpath`, `*uri`, `*url`, `host`, `port`, ...); any value that is a URL (`ftp://...`)
is treated the same whatever its key.

Read-only inputs (a data `path`) keep their saved value, so a checkpoint still evaluates on
its own data; `quiet_saved_inputs` makes sure what such a file holds is never quoted in a message.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from plugboard.core.checkpoints.positions import position, project_nodes
from plugboard.core.errors import DataError
from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

OPENS_OR_WRITES = re.compile(
    r"(^|_)(dir|dirs|dirpath|dirname|folder|uri|url|urls|host|hostname|port|endpoint|address|server)$"
)
URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")
READS = re.compile(r"(^|_)(path|paths|file|files|filename)$")
PATHS_ONLY = re.compile(r"^[^$]*(\$\{paths\.[A-Za-z_]+\}[^$]*)*$")
_MISSING = object()


def with_local_values(config: Mapping[str, Any], paths: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the saved `config` whose model and data arguments that open or write take this
    project's values (see the module docstring); `paths`: the current run's `paths` node."""
    local = copy.deepcopy(dict(config))
    for part in ("model", "data"):
        if isinstance(local.get(part), dict):
            _localise(local[part], part, paths)
    return local


def _localise(node: Any, path: str, paths: Mapping[str, Any] | None) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _localise(item, f"{path}[{index}]", paths)
        return
    if not isinstance(node, dict):
        return
    target = node.get("_target_")
    for key in list(node):
        value = node[key]
        if not str(key).startswith("_") and (OPENS_OR_WRITES.search(str(key)) or _is_url(value)):
            local = _project_value(position(path), target, str(key), paths)
            if local is _MISSING:
                del node[key]
            else:
                node[key] = local
            taken = "this project's value" if local is not _MISSING else "left out"
            log.info(f"{path}.{key}: {taken}, not the checkpoint's (a saved file never says where to write)")
        else:
            _localise(value, f"{path}.{key}" if key != "_args_" else f"{path}._args_", paths)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and URL.match(value) is not None


def _project_value(where: str, target: Any, key: str, paths: Mapping[str, Any] | None) -> Any:
    """The value the project's config files give `key` of `target` at `where`, resolved with `paths`."""
    for place, node in project_nodes():
        if place == where and node.get("_target_") == target and key in node:
            return _resolved(node[key], paths)
    return _MISSING


def _resolved(value: Any, paths: Mapping[str, Any] | None) -> Any:
    if not isinstance(value, str) or "${" not in value:
        return value
    if paths is None or not PATHS_ONLY.match(value):
        return _MISSING
    from omegaconf import OmegaConf

    try:
        return OmegaConf.create({"paths": paths, "value": value}).value
    except Exception:  # a path of this project that cannot be resolved here
        return _MISSING


def quiet_saved_inputs(datamodule: Any, saved_data: Mapping[str, Any], source: str) -> None:
    """When the saved data config names files to read, an error while reading them says which
    file, never what it holds: the checkpoint, not the user, chose the file."""
    inputs = [f"data.{key}" for key, value in saved_data.items() if READS.search(str(key)) and value]
    if not inputs:
        return
    setup = datamodule.setup

    def setup_without_quotes(stage: str | None = None) -> None:
        try:
            setup(stage)
        except Exception as error:
            raise DataError(
                f"Reading the data that {source} names ({', '.join(inputs)}) failed with "
                f"{type(error).__name__}; what the file holds is not shown, since the checkpoint, not "
                "you, chose it. Evaluate on data you name instead: data=<config> or "
                "+data.path=<file> on the command line."
            ) from error

    datamodule.setup = setup_without_quotes
