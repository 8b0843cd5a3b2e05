"""Where this project's own config files put each `_target_`: the config path, as composed.

A file `configs/model/encoder/gru.yaml` lands at `model.encoder` (its group), a file headed
`# @package _global_` at the top, and a defaults entry `- /callbacks/x@_global_.callbacks`
puts `callbacks/x.yaml` at `callbacks`. List items are written `[]` (`data.pipeline[]`),
positional arguments `_args_[]`. The checkpoint trust check reads this index for parameters
whose annotation cannot say what they take: there a saved target is accepted only at a
position where a config file of the project puts that same target.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from plugboard.core.paths import CONFIG_DIR

PACKAGE_HEADER = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)
INDEX = re.compile(r"\[\d+\]")


def position(path: str) -> str:
    """`data.pipeline[3]._target_` -> `data.pipeline[]` (list indices dropped, the key too)."""
    return INDEX.sub("[]", path).removesuffix("._target_")


@functools.cache
def project_targets() -> Mapping[str, frozenset[str]]:
    """position -> the targets this project's config files put there."""
    found: dict[str, set[str]] = defaultdict(set)
    for where, node in project_nodes():
        found[where].add(node["_target_"])
    return {where: frozenset(targets) for where, targets in found.items()}


def project_nodes(directory: Path | None = None) -> list[tuple[str, Mapping[str, Any]]]:
    """(position, node) of every `_target_` node in the config files, as written (not resolved)."""
    import yaml

    directory = directory or CONFIG_DIR
    nodes = []
    for file in sorted(directory.rglob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        content = yaml.safe_load(text)
        for package in _packages(file, text, directory):
            nodes += list(_target_nodes(content, package))
    return nodes


def _packages(file: Path, text: str, directory: Path) -> set[str]:
    """Where the file's content lands: its header's package, else its group; plus any package a
    defaults entry of another file gives it (`@...`)."""
    group = ".".join(file.relative_to(directory).parent.parts)
    header = PACKAGE_HEADER.search(text[:500])
    own = _absolute(header.group(1), group) if header else group
    return {own, *_packages_given_by_defaults(directory).get(file, set())}


def _absolute(package: str, group: str) -> str:
    package = package.replace("_group_", group)
    if package == "_global_":
        return ""
    return package.removeprefix("_global_.")


@functools.cache
def _packages_given_by_defaults(directory: Path) -> dict[Path, set[str]]:
    """file -> packages given to it by `group@package` entries of defaults lists."""
    import yaml

    given: dict[Path, set[str]] = defaultdict(set)
    for file in directory.rglob("*.yaml"):
        content = yaml.safe_load(file.read_text(encoding="utf-8"))
        defaults = content.get("defaults") if isinstance(content, Mapping) else None
        group = file.relative_to(directory).parent
        for entry in defaults or []:
            name, option = next(iter(entry.items())) if isinstance(entry, Mapping) else (entry, None)
            if not isinstance(name, str) or "@" not in name:
                continue
            path, package = name.removeprefix("override ").split("@", 1)
            base = Path(path.lstrip("/")) if path.startswith("/") else group / path
            target = base / f"{option}.yaml" if isinstance(option, str) else base.with_suffix(".yaml")
            parent = ".".join(group.parts)
            absolute = (
                _absolute(package, parent)
                if package.startswith("_global_")
                else ".".join(filter(None, (parent, package)))
            )
            given[directory / target].add(absolute)
    return given


def _target_nodes(node: Any, where: str, top: bool = True) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        if isinstance(node.get("_target_"), str):
            yield where, node
        for key, value in node.items():
            if not (top and key == "defaults"):
                yield from _target_nodes(value, f"{where}.{key}" if where else str(key), top=False)
    elif isinstance(node, list):
        for value in node:
            yield from _target_nodes(value, f"{where}[]", top=False)
