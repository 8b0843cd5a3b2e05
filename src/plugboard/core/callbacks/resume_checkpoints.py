"""The checkpoints `train.py ckpt_path=last` resumes from: `last.ckpt` every epoch and on SIGTERM.

On SIGTERM (what SLURM and cloud schedulers send before preempting a job) Lightning stops
after the current batch with a `SIGTERMException`; `CheckpointOnPreemption` saves
`last.ckpt` at that point, so the resumed run continues from that batch.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.utilities.exceptions import SIGTERMException

from plugboard.core.checkpoints.resume import last_checkpoint
from plugboard.core.job.logs import get_logger

log = get_logger(__name__)


def last_checkpoint_every_epoch(run_dir: str | Path) -> ModelCheckpoint:
    """The run's `last.ckpt`, rewritten at the end of every epoch: what `ckpt_path=last` resumes from.

    (ModelCheckpoint's own `save_last` only writes when a top-k checkpoint is written.)
    """
    path = last_checkpoint(run_dir)
    return ModelCheckpoint(
        dirpath=path.parent, filename=path.stem, monitor=None, save_top_k=1, enable_version_counter=False
    )


class CheckpointOnPreemption(L.Callback):
    def __init__(self, run_dir: str | Path) -> None:
        self.path = last_checkpoint(run_dir)

    def on_exception(
        self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException
    ) -> None:
        if isinstance(exception, SIGTERMException) and trainer.state.fn == "fit":
            trainer.save_checkpoint(self.path)
            log.warning(
                f"SIGTERM received at step {trainer.global_step}: saved {self.path}. "
                "Resume with `python train.py ckpt_path=last` (and the same overrides)."
            )
