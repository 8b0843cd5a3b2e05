"""Stops a run the moment its loss turns NaN or infinite, and says where and why it may have."""

from __future__ import annotations

import lightning as L
import torch

from plugboard.core.errors import PlugboardError


class NonFiniteLossError(PlugboardError, RuntimeError):
    """The training loss became NaN or infinite."""


class StopOnNonFiniteLoss(L.Callback):
    """Checks the loss before the backward pass, so the weights are never updated with NaN."""

    def on_before_backward(
        self, trainer: L.Trainer, pl_module: L.LightningModule, loss: torch.Tensor
    ) -> None:
        if torch.isfinite(loss).all():
            return
        learning_rates = [group["lr"] for optimizer in trainer.optimizers for group in optimizer.param_groups]
        causes = [f"a learning rate too high (now {learning_rates}; try a smaller model.optimizer.lr)"]
        if not trainer.gradient_clip_val:
            causes.append("exploding gradients (gradient clipping is off: set trainer.gradient_clip_val=1.0)")
        precision = str(trainer.precision)
        if "16" in precision and "bf16" not in precision:
            causes.append(f"float16 overflow (trainer.precision={precision}; try bf16-mixed or 32-true)")
        causes.append("NaN or inf values in the data")
        batch = trainer.fit_loop.epoch_loop.batch_progress.current.ready - 1
        raise NonFiniteLossError(
            f"The training loss is {loss.item()} at step {trainer.global_step} "
            f"(epoch {trainer.current_epoch}, batch {batch}). Likely causes: {'; '.join(causes)}."
        )
