"""Lightning callbacks of our own: only what Lightning does not have."""

from plugboard.callbacks.attention_heatmaps import AttentionHeatmaps
from plugboard.callbacks.finite_loss import NonFiniteLossError, StopOnNonFiniteLoss
from plugboard.callbacks.resume_checkpoints import CheckpointOnPreemption, last_checkpoint_every_epoch
from plugboard.callbacks.rng_state import RngStateInCheckpoint
from plugboard.callbacks.run_config import RunConfigInCheckpoint

__all__ = [
    "AttentionHeatmaps",
    "CheckpointOnPreemption",
    "NonFiniteLossError",
    "RngStateInCheckpoint",
    "RunConfigInCheckpoint",
    "StopOnNonFiniteLoss",
    "last_checkpoint_every_epoch",
]
