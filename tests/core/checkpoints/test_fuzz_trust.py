"""Property: wherever a saved config puts a target that this project's own configs name, rebuilding
either refuses with one paragraph, or builds without writing a file, connecting anywhere or starting
a process outside a temporary run dir.

Hypothesis (derandomized, a fixed number of examples) places targets from `configs/**` at random
positions of a saved config (mapping values, list items, `_args_`), sometimes with a hostile
folder or URL argument; the rebuild runs as `plugboard.core.checkpoints.rebuild` does, without
the weights, under an audit hook (`sys.addaudithook`) that records what it did.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
from typing import Any

import pytest
from helpers import TINY, compose_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from plugboard.core.checkpoints.local_values import with_local_values
from plugboard.core.checkpoints.positions import project_nodes
from plugboard.core.checkpoints.trust import UntrustedCheckpointError, check_saved_config
from plugboard.core.handoff import instantiate_with_metadata

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
EVENTS = (
    "socket.connect",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
)
CHANGES_FILES = ("os.mkdir", "os.remove", "os.rename", "os.rmdir", "os.symlink", "os.link", "os.truncate")
WRITERS = ("logger", "Logger", "Checkpoint", "callbacks")
HOSTILE = {"save_dir": "OUTSIDE", "dirpath": "ftp://127.0.0.1:9/x", "cache_dir": "OUTSIDE", "path": "OUTSIDE"}


class Recorder:
    """What the code did while `recording`: writes, connections and processes, with their paths."""

    def __init__(self) -> None:
        self.recording, self.allowed, self.seen = False, "", []

    def __call__(self, event: str, arguments: tuple) -> None:
        if not self.recording:
            return
        if event == "open":
            path, mode, flags = (list(arguments) + [None, None])[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS
            )
            if writes and not self._inside(path):
                self.seen.append(f"open for writing {path}")
        elif event.startswith(CHANGES_FILES) and arguments and not self._inside(arguments[0]):
            self.seen.append(f"{event} {arguments[0]}")
        elif event.startswith(EVENTS):
            self.seen.append(event)

    def _inside(self, path: Any) -> bool:
        text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else ""
        return text.startswith(self.allowed) or "__pycache__" in text


RECORDER = Recorder()
sys.addaudithook(RECORDER)  # an audit hook cannot be removed: it records only while asked to


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """A saved config and metadata as train.py writes them for the tiny dates model. Every module the
    project's configs name is imported first: what importing them does is the project's, not the file's."""
    from hydra.utils import get_object

    for node in NODES:
        with contextlib.suppress(Exception):
            get_object(node["_target_"])
    run = tmp_path_factory.mktemp("fuzz_run")
    cfg = compose_config(["data=dates", *TINY], run)
    config = OmegaConf.to_container(cfg, resolve=True)
    tokenize = {
        "_target_": "plugboard.data.pipeline.tokenize.Tokenize",
        "side": "both",
        "split": "characters",
    }
    metadata = {
        "vocabulary": ["<pad>", "<bos>", "<eos>", "<unk>", *"0123456789-/ abcdefg"],
        "pipeline": [tokenize],
    }
    return config, metadata


def _plain_nodes() -> list[dict]:
    """Each target node of the project's configs, its interpolated arguments left out."""
    nodes = []
    for _, node in project_nodes():
        plain = {key: value for key, value in node.items() if not (isinstance(value, str) and "${" in value)}
        if not any(isinstance(value, dict | list) for value in plain.values()):
            nodes.append(plain)
    return sorted(nodes, key=str)


NODES = _plain_nodes()
# Loggers and callbacks: the ones that write or connect while being built, drawn half the time.
WRITER_NODES = [node for node in NODES if any(word in node["_target_"] for word in WRITERS)]


def _hostile_keys(node: dict) -> list[str]:
    """The hostile arguments the node's target takes (a logger's save_dir, a callback's dirpath)."""
    import inspect

    from hydra.utils import get_object

    try:
        parameters = inspect.signature(get_object(node["_target_"])).parameters
    except Exception:  # noqa: BLE001 (no signature: give it none)
        return ["save_dir"]
    takes_any = any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters.values())
    keys = [key for key in sorted(HOSTILE) if key in parameters or (takes_any and key == "save_dir")]
    return keys or ["save_dir"]


def _slots(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place a value sits in the model and data configs: mapping values and list items."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            if not str(key).startswith("_"):
                found += _slots(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _slots(value, (*path, index))
    return found


@st.composite
def placements(draw: st.DrawFn) -> tuple[dict, tuple, str]:
    node = copy.deepcopy(draw(st.one_of(st.sampled_from(WRITER_NODES), st.sampled_from(NODES))))
    if draw(st.booleans()):
        node["_partial_"] = True
    for key in draw(st.lists(st.sampled_from(_hostile_keys(node)), min_size=1, max_size=2, unique=True)):
        node[key] = HOSTILE[key]
    part = draw(st.sampled_from(["model", "model", "data"]))  # data builds its children itself
    how = draw(st.sampled_from(["value", "list item", "_args_"]))
    return node, (part, draw(st.integers(min_value=0, max_value=10_000))), how


@settings(
    max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(placement=placements())
def test_a_target_at_any_position_is_refused_or_builds_without_side_effects(
    placement: tuple, saved: tuple[dict, dict], tmp_path_factory: pytest.TempPathFactory
):
    node, (part, pick), how = placement
    config, metadata = copy.deepcopy(saved[0]), copy.deepcopy(saved[1])
    run = tmp_path_factory.mktemp("fuzz")
    outside = run.parent / f"{run.name}_outside"
    node = {key: str(outside) if value == "OUTSIDE" else value for key, value in node.items()}
    slots = _slots(config[part], (part,))
    where = slots[pick % len(slots)]
    parent = config
    for key in where[:-1]:
        parent = parent[key]
    if how == "value":
        parent[where[-1]] = node
    elif how == "list item":
        parent[where[-1]] = [node]
    else:
        holder = parent[where[-1]] if isinstance(parent[where[-1]], dict) else parent
        holder["_args_"] = [node]

    RECORDER.seen, RECORDER.allowed = [], f"{run}{os.sep}"
    sys.dont_write_bytecode, RECORDER.recording = True, True
    try:
        refusal = _rebuild_without_weights(config, metadata, OmegaConf.create({"cache_dir": str(run)}))
    finally:
        RECORDER.recording, sys.dont_write_bytecode = False, False
    assert RECORDER.seen == [], f"{node} at {where} ({how}): {RECORDER.seen}"
    assert refusal is None or (refusal.startswith("Refusing to rebuild") and "\n" not in refusal)
    assert not outside.exists()


def _rebuild_without_weights(config: dict, metadata: dict, paths: Any) -> str | None:
    """What `rebuild` does before it loads weights: the check, local values, model and data built."""
    try:
        check_saved_config(config, metadata, "fuzz.ckpt")
    except UntrustedCheckpointError as error:
        return str(error)
    local = OmegaConf.create(with_local_values(config, paths))
    for part in ("model", "data"):
        # A wrong argument may fail to build: harmless; what counts is what building did.
        with contextlib.suppress(Exception):
            instantiate_with_metadata(local[part], metadata)
    return None
