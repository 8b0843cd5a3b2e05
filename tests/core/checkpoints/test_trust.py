"""A checkpoint is data: crafted files cannot make eval, predict, serve or export run code.

Each crafted checkpoint is the tiny dates checkpoint with one thing changed, the attacks
docs/checkpoints.md ("A checkpoint is data") lists one by one. A callable that got through would
write a sentinel file; it must not exist afterwards.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from helpers import run_entry_point

from plugboard.core.checkpoints.rebuild import rebuild
from plugboard.core.checkpoints.trust import (
    MAX_INTEGER,
    UntrustedCheckpointError,
    check_saved_config,
    check_saved_paths,
)


def writes(sentinel: Path) -> dict:
    """A config node that, if built, writes `sentinel` (torch.save sits under a trusted package)."""
    return {"_target_": "torch.save", "_args_": [[1, 2, 3], str(sentinel)]}


ATTACKS = {
    "top-level": lambda c, s: c["model"].update(_target_="pathlib.Path.touch", self=str(s)),
    "nested": lambda c, s: c["data"]["task"].update(seed=writes(s)),
    "partial-called-later": lambda c, s: c["model"].update(optimizer={**writes(s), "_partial_": True}),
    "torch-save-at-the-top": lambda c, s: c.update(model=writes(s)),
    "interpolation": lambda c, s: c["model"].update(label_smoothing="${oc.env:HOME}"),
    "interpolation-outside-model-and-data": lambda c, s: c.update(seed="${oc.env:HOME}"),
    "huge-size": lambda c, s: c["model"]["encoder"].update(hidden_size=10**9),
}


def crafted(checkpoint_path: Path, attack: str, directory: Path) -> tuple[Path, Path]:
    checkpoint = torch.load(checkpoint_path, weights_only=True)
    checkpoint = {**checkpoint, "config": copy.deepcopy(checkpoint["config"])}
    sentinel = directory / f"{attack}.sentinel"
    ATTACKS[attack](checkpoint["config"], sentinel)
    path = directory / f"{attack}.ckpt"
    torch.save(checkpoint, path)
    return path, sentinel


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_crafted_config_is_refused_before_anything_runs(
    attack: str, dates_checkpoint: Path, tmp_path: Path
):
    path, sentinel = crafted(dates_checkpoint, attack, tmp_path)
    with pytest.raises(UntrustedCheckpointError, match="Refusing to rebuild") as raised:
        rebuild(path)
    assert not sentinel.exists() and "\n" not in str(raised.value)


def test_an_oversized_vocabulary_is_refused():
    config = {"model": {"_target_": "plugboard.seq2seq.Seq2SeqModule"}, "data": {"_target_": "x.Y"}}
    with pytest.raises(UntrustedCheckpointError, match="longer than"):
        check_saved_config(config, {"vocabulary": ["a"] * 2_000_001}, "big.ckpt")
    assert MAX_INTEGER < 10**9


def test_the_shipped_checkpoint_passes(dates_checkpoint: Path):
    assert rebuild(dates_checkpoint).model is not None


def test_saved_best_checkpoint_paths_must_stay_inside_the_run(tmp_path: Path):
    run = tmp_path / "run"
    state = {"dirpath": str(run / "checkpoints"), "best_model_path": str(run / "checkpoints" / "a.ckpt")}
    check_saved_paths({"callbacks": {"ModelCheckpoint": state}}, str(run), "ok.ckpt")
    for outside in (str(tmp_path / "elsewhere.ckpt"), str(run / "checkpoints" / ".." / ".." / "x.ckpt")):
        bad = {**state, "best_k_models": {outside: 0.5}}
        with pytest.raises(UntrustedCheckpointError, match="outside the run"):
            check_saved_paths({"callbacks": {"ModelCheckpoint": bad}}, str(run), "bad.ckpt")
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "link.ckpt").symlink_to(tmp_path / "elsewhere.ckpt")
    linked = {**state, "kth_best_model_path": str(run / "checkpoints" / "link.ckpt")}
    with pytest.raises(UntrustedCheckpointError, match="outside the run"):
        check_saved_paths({"callbacks": {"ModelCheckpoint": linked}}, str(run), "link.ckpt")


SLOW = (
    "predict.py",
    "serve.py",
    "export.py",
)  # the same rebuild() as eval and predict, tested above in-process
ENTRY_POINTS = {
    "eval.py": [],
    "predict.py": ['inputs=["12 march 2021"]'],
    "serve.py": ["port={free_port}"],  # refused before it would listen
    "export.py": ["format=torch_export"],
}


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, marks=[pytest.mark.slow] if s in SLOW else []) for s in ENTRY_POINTS],
)
def test_every_entry_point_refuses_a_crafted_checkpoint(script: str, dates_checkpoint: Path, tmp_path: Path):
    path, sentinel = crafted(dates_checkpoint, "nested", tmp_path)
    given = [argument.format(free_port=_free_port()) for argument in ENTRY_POINTS[script]]
    arguments = [f"ckpt_path={path}", *given, "extras.print_config=false"]
    result = run_entry_point(script, arguments, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output[-3000:]
    assert "Refusing to rebuild" in output and "torch.save" in output
    assert not sentinel.exists()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_targets_are_indexed_by_where_the_composed_config_puts_them(tmp_path: Path):
    """Flow style (`- {_target_: ...}`), group packages, `# @package` headers and `@` in defaults."""
    from plugboard.core.checkpoints.positions import position, project_nodes

    (tmp_path / "data").mkdir()
    (tmp_path / "model" / "net").mkdir(parents=True)
    (tmp_path / "callbacks").mkdir()
    (tmp_path / "data" / "mine.yaml").write_text(
        "pipeline:\n  - {_target_: mylab.steps.Clean, side: both}\n"
        "task: {_target_: 'mylab.tasks.Task', size: 3}\n"
        "head:\n  _target_: mylab.models.Head  # a comment\n"
    )
    (tmp_path / "model" / "net" / "mlp.yaml").write_text("_target_: mylab.nets.Mlp\n")
    (tmp_path / "model" / "lht.yaml").write_text(
        "defaults:\n  - net: mlp\n  - /callbacks/draw@_global_.callbacks\n  - _self_\n"
        "_target_: mylab.models.Lit\noptimizer: {_target_: torch.optim.Adam, _partial_: true}\n"
    )
    (tmp_path / "model" / "everywhere.yaml").write_text("# @package _global_\nmodel:\n  _target_: mylab.B\n")
    (tmp_path / "callbacks" / "draw.yaml").write_text("draw: {_target_: mylab.Draw}\n")
    found = {(where, node["_target_"]) for where, node in project_nodes(tmp_path)}
    assert found == {
        ("data.pipeline[]", "mylab.steps.Clean"),
        ("data.task", "mylab.tasks.Task"),
        ("data.head", "mylab.models.Head"),
        ("model.net", "mylab.nets.Mlp"),
        ("model", "mylab.models.Lit"),
        ("model.optimizer", "torch.optim.Adam"),
        ("model", "mylab.B"),
        ("callbacks.draw", "mylab.Draw"),
    }
    assert position("data.pipeline[12]._target_") == "data.pipeline[]"
