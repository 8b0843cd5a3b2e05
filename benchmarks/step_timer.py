"""A callback that timestamps the training loop of a real `python train.py` run.

Added to a run from the command line, so nothing in the project changes for a measurement:

    python train.py '+callbacks.step_timer={_target_: benchmarks.step_timer.StepTimer, path: t.json}'

It records the wall-clock time (`time.time()`, comparable with another process's clock) of a
few milestones and `time.perf_counter()` at the start of every training batch, after the batch
is fetched, as a plain loop's body starts. With `exit_after_steps=k` it writes its file when
batch k is about to start and ends the process there, so what follows (validation at the
end of the epoch, testing) costs no benchmark time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import lightning as L


class StepTimer(L.Callback):
    def __init__(self, path: str, exit_after_steps: int | None = None) -> None:
        self.path = Path(path)
        self.exit_after_steps = exit_after_steps
        self.milestones: dict[str, float] = {}
        self.batch_starts: list[float] = []

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.milestones["fit_start"] = time.time()

    def on_sanity_check_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.milestones["sanity_check_start"] = time.time()

    def on_sanity_check_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.milestones["sanity_check_end"] = time.time()

    def on_train_batch_start(
        self, trainer: L.Trainer, pl_module: L.LightningModule, batch, batch_idx
    ) -> None:
        if not self.batch_starts:
            self.milestones["first_step"] = time.time()
        self.batch_starts.append(time.perf_counter())
        if self.exit_after_steps is not None and len(self.batch_starts) > self.exit_after_steps:
            self.write()
            os._exit(0)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.write()

    def write(self) -> None:
        record = {"milestones": self.milestones, "batch_starts": self.batch_starts}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(record))
