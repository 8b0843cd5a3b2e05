"""Callbacks of the seq2seq family."""

from plugboard.seq2seq.callbacks.attention_heatmaps import AttentionHeatmaps

__all__ = ["AttentionHeatmaps"]
