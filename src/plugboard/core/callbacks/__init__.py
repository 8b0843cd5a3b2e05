"""Lightning callbacks of our own: only what Lightning does not have."""

from plugboard.core.callbacks.data_report import DataReport
from plugboard.core.callbacks.finite_loss import NonFiniteLossError, StopOnNonFiniteLoss
from plugboard.core.callbacks.resume_checkpoints import CheckpointOnPreemption, last_checkpoint_every_epoch
from plugboard.core.callbacks.rng_state import RngStateInCheckpoint
from plugboard.core.callbacks.run_config import RunConfigInCheckpoint
from plugboard.core.callbacks.test_examples import TestExampleOutcomes

__all__ = [
    "CheckpointOnPreemption",
    "DataReport",
    "NonFiniteLossError",
    "RngStateInCheckpoint",
    "RunConfigInCheckpoint",
    "StopOnNonFiniteLoss",
    "TestExampleOutcomes",
    "last_checkpoint_every_epoch",
]
