"""Crafted files through the real entry points: each attack a hostile reviewer made on the landed
code, as a file. Each must end with exit status 1 (or a harmless run), one paragraph naming the
key, and no side effect: the sentinel path absent, the local listener never called, no hang.

The eval cases run in one Python process (tests/support/entry_point_runner.py), so torch is
imported once for all of them.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from helpers import run_script

from plugboard.core.paths import PROJECT_ROOT

MLFLOW = "plugboard.core.loggers.mlflow.local_mlflow_logger"


def shared_bomb(depth: int = 60) -> list:
    """Each level refers twice to the one below: a few hundred bytes, 2^60 nodes once expanded."""
    node: list = [0]
    for _ in range(depth):
        node = [node, node]
    return node


def nested(depth: int) -> list:
    node: list = []
    for _ in range(depth):
        node = [node]
    return node


def catastrophic_pipeline(metadata: dict) -> None:
    """A saved KeepMatching whose pattern backtracks for hours in Python's `re` on a line of digits."""
    step = {"_target_": "plugboard.data.pipeline.matching.KeepMatching", "side": "source"}
    metadata["pipeline"] = [{**step, "pattern": r"((\d| )+)+x"}, *metadata["pipeline"]]


# name -> (change to the saved config and metadata, given a sentinel path; key the paragraph names)
ATTACKS: dict[str, tuple[Callable[[dict, dict, Path], None], str]] = {
    "logger at a float": (
        lambda c, m, s: c["model"].update(label_smoothing={"_target_": MLFLOW, "save_dir": str(s)}),
        "model.label_smoothing._target_",
    ),
    "logger through _args_": (
        lambda c, m, s: c["model"].update(
            label_smoothing={"_target_": "torch.save", "_args_": [[1], str(s)]}
        ),
        "model.label_smoothing._target_",
    ),
    "logger with _convert_": (
        lambda c, m, s: c["model"].update(
            label_smoothing={"_target_": MLFLOW, "_convert_": "all", "save_dir": str(s)}
        ),
        "model.label_smoothing._target_",
    ),
    "nested save under _args_": (
        lambda c, m, s: c["model"]["encoder"].update(
            _args_=[{"_target_": "torch.save", "_args_": [[1], str(s)]}]
        ),
        "model.encoder._args_[0]._target_",
    ),
    "shared references": (lambda c, m, s: c["data"].update(seed=shared_bomb()), "data.seed"),
    "deep nesting": (  # deeper than Python's recursion limit: any recursive walk fails
        lambda c, m, s: c["model"].update(beam_size=nested(3_000)),
        "model.beam_size",
    ),
    "long string": (
        lambda c, m, s: c["model"].update(label_smoothing="x" * 1_000_000),
        "model.label_smoothing",
    ),
    "interpolation outside model": (lambda c, m, s: c.update(seed="${oc.env:HOME}"), "seed"),
}


def crafted(checkpoint_path: Path, change: Callable, directory: Path, name: str) -> tuple[Path, Path]:
    checkpoint = torch.load(checkpoint_path, weights_only=True)
    checkpoint["config"], checkpoint["metadata"] = (
        copy.deepcopy(checkpoint["config"]),
        copy.deepcopy(checkpoint["metadata"]),
    )
    sentinel = directory / f"{name.replace(' ', '_')}.sentinel"
    change(checkpoint["config"], checkpoint["metadata"], sentinel)
    path = directory / f"{name.replace(' ', '_')}.ckpt"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # torch.save itself recurses into the nested lists
    try:
        torch.save(checkpoint, path)
    finally:
        sys.setrecursionlimit(limit)
    return path, sentinel


def run_cases(cases: list[dict], timeout: int = 240) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "tests/support/entry_point_runner.py"],
        input=json.dumps(cases),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,  # a hang (a pattern that backtracks, a walk that never ends) fails here
        env={**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_crafted_checkpoints_are_refused_with_one_paragraph_and_no_side_effect(
    dates_checkpoint: Path, tmp_path: Path
):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    attacks = {
        **ATTACKS,
        "ftp checkpoint callback": (
            lambda c, m, s: c["model"]["encoder"].update(
                dropout={
                    "_target_": "lightning.pytorch.callbacks.ModelCheckpoint",
                    "dirpath": f"ftp://127.0.0.1:{port}/x",
                }
            ),
            "model.encoder.dropout._target_",
        ),
    }
    cases, sentinels = [], {}
    for name, (change, _) in attacks.items():
        path, sentinels[name] = crafted(dates_checkpoint, change, tmp_path, name)
        arguments = [f"ckpt_path={path}", "extras.print_config=false"]
        cases.append({"script": "eval.py", "arguments": arguments, "log_dir": str(tmp_path / name)})
    results = dict(zip(attacks, run_cases(cases), strict=True))
    for name, result in results.items():
        output, key = result["output"], attacks[name][1]
        assert result["status"] == 1 and "Traceback" not in output, f"{name}: {output[-2000:]}"
        paragraph = next(line for line in output.splitlines() if line.startswith("Error: "))
        assert key in paragraph and len(paragraph) < 1500, f"{name}: {paragraph}"
        assert not sentinels[name].exists(), name
        saved = (Path(tmp_path / name) / "eval").rglob("metrics.json")
        assert all(len(path.read_text()) < 3000 for path in saved), name
    assert (
        os.environ.get("HOME", "/")
        not in results["interpolation outside model"]["output"].split("Error: ")[-1]
    )
    with pytest.raises(TimeoutError):
        listener.accept()  # no connection was opened while anything was built
    listener.close()


def test_saved_places_that_write_take_this_projects_and_saved_inputs_are_never_quoted(
    dates_checkpoint: Path, tmp_path: Path
):
    """A crafted data config: a cache dir elsewhere, and a `path` to a private file of the user."""
    secret = tmp_path / "private.txt"
    secret.write_text("TOPSECRET-LINE\n")
    elsewhere, ours = tmp_path / "elsewhere_cache", tmp_path / "our_cache"

    def change(config: dict, metadata: dict, sentinel: Path) -> None:
        config["data"] = {
            "_target_": "plugboard.seq2seq.data.TsvDataModule",
            "_recursive_": False,
            "pipeline": metadata["pipeline"],
            "path": str(secret),
            "cache_dir": str(elsewhere),
        }

    path, _ = crafted(dates_checkpoint, change, tmp_path, "cache and path")
    arguments = [f"ckpt_path={path}", "extras.print_config=false", f"paths.cache_dir={ours}"]
    (result,) = run_cases([{"script": "eval.py", "arguments": arguments, "log_dir": str(tmp_path / "logs")}])
    assert result["status"] == 1 and "TOPSECRET" not in result["output"], result["output"][-2000:]
    assert "data.path" in result["output"] and not elsewhere.exists()
    assert all(
        "TOPSECRET" not in Path(written).read_text()
        for written in result["written"]
        if written.endswith(".json")
    )


def test_a_catastrophic_saved_pattern_does_not_hang_eval(dates_checkpoint: Path, tmp_path: Path):
    """Python's backtracking `re` would take hours on these lines; the timeout of `run_cases` fails
    the test if eval hangs."""
    data = tmp_path / "digits.tsv"
    data.write_text("".join(f"{'1 ' * 40}{number}\t2024-01-0{number}\n" for number in range(1, 9)))

    def change(config: dict, metadata: dict, sentinel: Path) -> None:
        catastrophic_pipeline(metadata)
        config["data"] = {
            "_target_": "plugboard.seq2seq.data.TsvDataModule",
            "_recursive_": False,
            "path": str(data),
        }

    path, _ = crafted(dates_checkpoint, change, tmp_path, "pattern")
    arguments = [f"ckpt_path={path}", "extras.print_config=false"]
    (result,) = run_cases(
        [{"script": "eval.py", "arguments": arguments, "log_dir": str(tmp_path)}], timeout=120
    )
    assert result["status"] == 1 and "Traceback" not in result["output"], result["output"][-2000:]
    assert "data.path" in result["output"]


def test_a_file_that_is_no_checkpoint_is_described_before_the_config_tree(tmp_path: Path):
    cases = []
    for name, content in {"text": b"epoch,loss\n1,0.5\n", "empty": b""}.items():
        (tmp_path / f"{name}.ckpt").write_bytes(content)
        arguments = [f"ckpt_path={tmp_path / f'{name}.ckpt'}", "extras.print_config=true"]
        cases.append({"script": "eval.py", "arguments": arguments, "log_dir": str(tmp_path / name)})
    text, empty = run_cases(cases)
    assert text["status"] == 1 and "a text file" in text["output"] and "CONFIG" not in text["output"]
    assert empty["status"] == 1 and "the file is empty" in empty["output"] and "CONFIG" not in empty["output"]


def test_converting_a_pickle_that_runs_code_is_one_paragraph(tmp_path: Path):
    class RunsCode:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'ran'}",))

    source = tmp_path / "payload.ckpt"
    source.write_bytes(pickle.dumps({"config": RunsCode()}))
    result = run_script("scripts/convert_checkpoint.py", [str(source), str(tmp_path / "new.ckpt")])
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "names code to run" in result.stderr and "weights_only" not in result.stderr
    assert not (tmp_path / "ran").exists() and not (tmp_path / "new.ckpt").exists()
