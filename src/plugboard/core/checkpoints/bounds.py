"""Bounds on everything a loaded checkpoint holds, checked in one pass before it is walked further.

`torch.load(weights_only=True)` runs no code, but a few hundred kilobytes of pickle can still
describe an object no later walk survives: nested lists that share references (each level
referring twice to the one below: 10^16 nodes once expanded), 20,000 levels of nesting (a
RecursionError in any recursive walk), a cycle, a 300 MB string. `check_bounds` visits each
distinct object once (shared references counted by identity, with an explicit stack, so it
cannot itself blow up or recurse too deep), and refuses the file when the object, expanded as
the later walks would expand it, exceeds any bound. Refusals quote a short excerpt, never the
whole value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

MAX_NODES = 5_000_000  # every value, as later walks see it (a 2-million-word vocabulary fits)
MAX_DEPTH = 64  # a config nests about 6 levels, a checkpoint about 8
MAX_STRING = 100_000  # characters of one string (or bytes of one bytes value)
MAX_INTEGER_BITS = 128
EXCERPT = 60  # characters of a value shown in a refusal
SHOWN_LEVELS = 4  # of a place's first and last levels, in a refusal


class BoundsError(ValueError):
    """A loaded object larger, deeper or longer than any checkpoint train.py writes."""


def check_bounds(loaded: Any) -> None:
    """Raises BoundsError naming the place and the bound exceeded (see the module docstring)."""
    finished: dict[int, tuple[int, int]] = {}  # id -> (values once expanded, depth)
    pending: dict[int, tuple[int, list[Any]]] = {}  # being visited (the path): leaves, containers
    keep_alive: list[Any] = []  # ids stay unique while their objects live
    if not _is_container(loaded):
        _check_leaf(loaded, None)
        return
    stack: list[tuple[Any, tuple | None, bool]] = [(loaded, None, False)]
    while stack:
        node, where, finishing = stack.pop()
        key = id(node)
        if finishing:
            leaves, containers = pending.pop(key)
            nodes, depth = 1 + leaves, 1
            for child in containers:
                child_nodes, child_depth = finished[id(child)]
                nodes, depth = min(nodes + child_nodes, MAX_NODES + 1), max(depth, child_depth + 1)
            finished[key] = (nodes, depth)
            if nodes > MAX_NODES:
                _refuse(where, f"holds more than {MAX_NODES:,} values once its shared parts are expanded")
            if depth > MAX_DEPTH:
                _refuse(where, f"nests deeper than {MAX_DEPTH} levels")
            continue
        if key in finished:
            continue
        if key in pending:
            _refuse(where, "contains itself (a cycle)")
        if _depth_of(where) > MAX_DEPTH:
            _refuse(where, f"nests deeper than {MAX_DEPTH} levels")
        keep_alive.append(node)
        leaves, containers = 0, []
        pending[key] = (0, containers)
        stack.append((node, where, True))
        for label, child in _children(node):
            if not _is_container(child):
                leaves += 1
                if type(child) not in _NOTHING_TO_BOUND:
                    _check_leaf(child, (where, label))
                continue
            if id(child) in pending:
                _refuse((where, label), "contains itself (a cycle)")
            containers.append(child)
            stack.append((child, (where, label), False))
        pending[key] = (leaves, containers)


_NOTHING_TO_BOUND = {float, bool, type(None)}


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple | set | frozenset)


def _children(node: Any) -> Iterator[tuple[str | int, Any]]:
    """(label, child) pairs of a container; a mapping's keys count as values too."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            label = key if isinstance(key, str) and len(key) <= EXCERPT else "<key>"
            yield label, key
            yield label, value
    else:
        yield from enumerate(node)


def _check_leaf(value: Any, where: tuple | None) -> None:
    if isinstance(value, str | bytes | bytearray) and len(value) > MAX_STRING:
        _refuse(where, f"is {len(value):,} characters long ({excerpt(value)}), more than {MAX_STRING:,}")
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        _refuse(where, f"is an integer of {value.bit_length():,} bits")


def _depth_of(where: tuple | None) -> int:
    depth = 0
    while where is not None:
        where, depth = where[0], depth + 1
    return depth


def place(where: tuple | None) -> str:
    """`config.model.encoder[3]` from the linked (parent, label) pairs of the walk."""
    labels = []
    while where is not None:
        where, label = where
        labels.append(label)
    labels.reverse()
    if len(labels) > 2 * SHOWN_LEVELS:
        labels = [*labels[:SHOWN_LEVELS], "...", *labels[-SHOWN_LEVELS:]]
    text = ""
    for label in labels:
        text += f"[{label}]" if isinstance(label, int) else f".{label}" if text and label != "..." else label
    return text or "the file's top level"


def excerpt(value: Any) -> str:
    """A value as a short quote (`'aaaa...'`); a container or an object by its kind and size."""
    if isinstance(value, str | bytes | bytearray):
        text = repr(value[: EXCERPT + 1])
    elif isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        text = f"an integer of {value.bit_length():,} bits"
    elif isinstance(value, int | float | bool | type(None)):
        text = repr(value)
    elif isinstance(value, Mapping | list | tuple | set | frozenset):
        text = f"a {type(value).__name__} of {len(value):,} entries"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= EXCERPT else f"{text[:EXCERPT]}..."


def _refuse(where: tuple | None, why: str) -> None:
    raise BoundsError(f"{place(where)} {why}")
