"""Resuming: which run dir a run writes into, and which checkpoint it continues from.

`ckpt_path=last` picks the newest run of the same task that left a `last.ckpt`; a resumed
run (from `last` or from any checkpoint inside a run of the same task) writes into that
run's own dir, so its logs continue where they stopped instead of starting a new folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugboard.core.errors import ConfigError

LAST = "last"


def last_checkpoint(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints" / "last.ckpt"


def newest_resumable_run(runs_dir: str | Path) -> Path | None:
    """The newest run dir (runs are named by start time) that holds a last.ckpt."""
    runs = sorted(Path(runs_dir).glob("*/checkpoints/last.ckpt"), key=lambda path: path.parent.parent.name)
    return runs[-1].parent.parent if runs else None


def run_dir(ckpt_path: str | None, runs_dir: str, new_run_name: str) -> str:
    """The run dir for Hydra (`hydra.run.dir`): the resumed run's own, or a new one.

    With nothing to resume the run gets a new dir, where `checkpoint_to_resume` reports the problem.
    """
    if ckpt_path == LAST and (newest := newest_resumable_run(runs_dir)) is not None:
        return str(newest)
    if ckpt_path:
        runs = Path(runs_dir).resolve()
        checkpoint = Path(ckpt_path).resolve()
        if checkpoint.parent.name == "checkpoints" and checkpoint.parent.parent.parent == runs:
            return str(checkpoint.parent.parent)
    return new_run_dir(runs_dir, new_run_name)


_claimed_run_dirs: dict[tuple[str, str], str] = {}


def new_run_dir(runs_dir: str, name: str) -> str:
    """`runs_dir/name`, created here; `name_1`, `name_2`, ... when another run holds it.

    Runs are named by their start second, so two started together (a script launching jobs,
    two terminals) would otherwise share a dir and overwrite each other's checkpoints and
    logs. The dir is claimed with an atomic mkdir; the answer is kept for the process, as
    Hydra may resolve the run dir more than once.
    """
    key = (runs_dir, name)
    if key not in _claimed_run_dirs:
        base = Path(runs_dir) / name
        candidate, suffix = base, 0
        while True:
            try:
                candidate.mkdir(parents=True)
                break
            except FileExistsError:
                suffix += 1
                candidate = base.with_name(f"{name}_{suffix}")
        _claimed_run_dirs[key] = str(candidate)
    return _claimed_run_dirs[key]


def checkpoint_to_resume(ckpt_path: str | None, output_dir: str | Path) -> str | None:
    """`last` -> the run's `checkpoints/last.ckpt`; any other value is a path, kept as it is."""
    if ckpt_path == LAST:
        path = last_checkpoint(output_dir)
        if not path.is_file():
            raise ConfigError(
                f"ckpt_path=last: no earlier run of this task left a checkpoints/last.ckpt under "
                f"{Path(output_dir).parent}. Start a run without ckpt_path first, or pass "
                "ckpt_path=<path to a .ckpt file>; use the same task or experiment as the run to continue."
            )
        return str(path)
    if ckpt_path and not Path(ckpt_path).is_file():
        raise ConfigError(
            f"ckpt_path={ckpt_path}: no such file. Pass the path of a .ckpt file written by train.py "
            "(they are in <run dir>/checkpoints/), or ckpt_path=last for the newest run of this task."
        )
    return ckpt_path


def check_resumable(model: Any, path: str, config: dict[str, Any]) -> None:
    """Refuses, before anything trains, a checkpoint whose weights do not fit the model built.

    Names the config keys of the model that differ from the checkpoint's (the likely cause)
    and the first weight that does not fit.
    """
    from plugboard.core.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(path)
    wanted = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    saved = {name: tuple(tensor.shape) for name, tensor in checkpoint["state_dict"].items()}
    if wanted == saved:
        return
    mismatch = next(
        f"{name} is {saved.get(name, 'missing')} there, {wanted.get(name, 'absent')} here"
        for name in sorted(set(wanted) | set(saved))
        if wanted.get(name) != saved.get(name)
    )
    differences = _differences(checkpoint["config"].get("model") or {}, config.get("model") or {}, "model")
    raise ConfigError(
        f"Checkpoint {path} holds another model than this config asks for: "
        f"{'; '.join(differences[:5]) or 'the same model config, but other data sizes'} (weight {mismatch}). "
        "Run with the overrides the checkpoint was trained with (they are in its run dir, "
        ".hydra/overrides.yaml), or start a new run without ckpt_path."
    )


def _differences(saved: dict, wanted: dict, prefix: str) -> list[str]:
    found = []
    for key in sorted(set(saved) | set(wanted)):
        old, new = saved.get(key), wanted.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found += _differences(old, new, f"{prefix}.{key}")
        elif old != new:
            found.append(f"{prefix}.{key} was {old!r}, now {new!r}")
    return found
