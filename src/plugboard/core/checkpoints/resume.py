"""Resuming: which checkpoint a run continues from, and whether it fits the model built.

Which dir a resumed run writes into (its own) is `plugboard.core.job.run_dir`'s answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from plugboard.core.errors import ConfigError

LAST = "last"
LAST_CHECKPOINT = "checkpoints/last.ckpt"
# Set by SLURM to a job it requeued, by torchrun to processes it restarted.
RESTART_COUNTS = ("SLURM_RESTART_COUNT", "TORCHELASTIC_RESTART_COUNT")


def last_checkpoint(run_dir: str | Path) -> Path:
    """`<run dir>/checkpoints/last.ckpt`: written every epoch and on SIGTERM; what `last` resumes."""
    return Path(run_dir) / LAST_CHECKPOINT


def checkpoint_to_resume(ckpt_path: str | None, output_dir: str | Path) -> str | None:
    """`last` -> the run's `checkpoints/last.ckpt`; any other value is a path, kept as it is.

    Without a ckpt_path, a job that SLURM requeued or torchrun restarted goes on from its own
    newest checkpoint: `last.ckpt` or the `hpc_ckpt_<n>.ckpt` Lightning saved on SIGUSR1.
    """
    if not ckpt_path and _restarted_by_launcher():
        saved = [last_checkpoint(output_dir), *Path(output_dir).glob("hpc_ckpt_*.ckpt")]
        saved = [path for path in saved if path.is_file()]
        if saved:
            return str(max(saved, key=lambda path: path.stat().st_mtime))
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


def _restarted_by_launcher() -> bool:
    return any(os.environ.get(name, "0") not in ("", "0") for name in RESTART_COUNTS)


def check_resumable(model: Any, path: str, config: dict[str, Any], run_dir: str | Path) -> None:
    """Refuses, before anything trains, a checkpoint whose weights do not fit the model built,
    or whose saved paths point outside the run (`plugboard.core.checkpoints.trust.check_saved_paths`).

    Names the config keys of the model that differ from the checkpoint's (the likely cause)
    and the first weight that does not fit.
    """
    from plugboard.core.checkpoints.load import load_checkpoint
    from plugboard.core.checkpoints.trust import check_saved_paths

    checkpoint = load_checkpoint(path)
    check_saved_paths(checkpoint, str(run_dir), path)
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
