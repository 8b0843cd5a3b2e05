"""A callback tests add with `+callbacks.slow._target_=slow_steps.SlowSteps`: each training step takes
at least `seconds`, so that a tiny run lasts long enough to be stopped in the middle."""

from __future__ import annotations

import time

import lightning as L


class SlowSteps(L.Callback):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def on_train_batch_end(self, *args: object) -> None:
        time.sleep(self.seconds)
