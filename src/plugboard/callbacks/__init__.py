"""Lightning callbacks of our own: only what Lightning does not have."""

from plugboard.callbacks.attention_heatmaps import AttentionHeatmaps
from plugboard.callbacks.run_config import RunConfigInCheckpoint

__all__ = ["AttentionHeatmaps", "RunConfigInCheckpoint"]
