"""The seq2seq family: an encoder-decoder LightningModule whose attention is a config choice,
its DataModules and tasks, decoding (greedy, beam), metrics, heatmaps, predict/serve/export."""

from typing import Any

__all__ = ["Seq2SeqModule"]


def __getattr__(name: str) -> Any:
    """Loaded on first use, so the entry points' `--help` does not wait for torch (PEP 562)."""
    if name == "Seq2SeqModule":
        from plugboard.seq2seq.model import Seq2SeqModule

        return Seq2SeqModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
