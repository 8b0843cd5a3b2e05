"""The seq2seq family: an encoder-decoder LightningModule whose attention is a config choice,
its DataModules and tasks, decoding (greedy, beam), metrics, heatmaps, predict/serve/export."""

from plugboard.seq2seq.model import Seq2SeqModule

__all__ = ["Seq2SeqModule"]
