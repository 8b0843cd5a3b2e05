"""LightningModules: they own the loss, the metrics and the logging."""

from plugboard.models.seq2seq import Seq2SeqModule

__all__ = ["Seq2SeqModule"]
