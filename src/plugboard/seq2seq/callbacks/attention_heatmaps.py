"""Draws the attention of a few fixed validation examples after every validation run.

The same examples every time, so the figures of successive epochs show how the alignment
forms. Saved as PNG in the run dir and sent to the loggers that show images.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import lightning as L
import numpy as np
import torch
from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger
from lightning.pytorch.utilities import rank_zero_info

from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.data.batch import Seq2SeqBatch, collate
from plugboard.seq2seq.decoding import Hypotheses

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TAG = "val/attention"
CELL_INCHES = 0.22  # one token; fits a 7-point tick label
CHAR_INCHES = 0.06  # width of one 7-point character, to leave room for the tick labels


class AttentionHeatmaps(L.Callback):
    """One heatmap per example: source tokens across, output tokens down.

    Decodes greedily (the model's own outputs, not the gold targets), because that is the
    alignment the model uses at test time.
    """

    def __init__(self, num_examples: int = 4, every_n_epochs: int = 1, dirname: str = "attention") -> None:
        self.num_examples, self.every_n_epochs, self.dirname = num_examples, every_n_epochs, dirname
        self.disabled = False

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        epoch = trainer.current_epoch
        if self.disabled or trainer.sanity_checking or not trainer.is_global_zero:
            return
        if self.num_examples < 1 or epoch % self.every_n_epochs != 0:
            return
        examples = getattr(trainer.datamodule, "tensors", {}).get("val", [])[: self.num_examples]
        if not examples:
            return self._disable("there is no validation split to draw from")
        batch = collate(examples, Vocabulary.pad_id)
        batch = Seq2SeqBatch(*(tensor.to(pl_module.device) for tensor in batch))
        was_training = pl_module.training
        pl_module.eval()
        with torch.no_grad():
            hypotheses = pl_module.generate(batch, beam_size=1)
        pl_module.train(was_training)
        if hypotheses.weights is None:
            return self._disable(f"{type(pl_module.decoder).__name__} returns no attention weights")

        figure = draw_heatmaps(batch, hypotheses, pl_module.vocabulary, epoch)
        run_dir = Path(trainer.default_root_dir)
        path = run_dir / self.dirname / f"epoch_{epoch:03d}.png"
        pixels = save_png(figure, run_dir, path)  # drawn once for the file and every logger: text is slow
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                logger.experiment.add_image(TAG, pixels, trainer.global_step, dataformats="HWC")
            elif isinstance(logger, WandbLogger):
                logger.log_image(key=TAG, images=[str(path)], step=trainer.global_step)

    def _disable(self, reason: str) -> None:
        rank_zero_info(f"Attention heatmaps are off for this run: {reason}.")
        self.disabled = True


def draw_heatmaps(batch: Seq2SeqBatch, hypotheses: Hypotheses, vocabulary: Vocabulary, epoch: int) -> Figure:
    """A matplotlib Figure with one heatmap per example of `batch`, in a grid two wide."""
    panels = []
    examples = zip(batch.source, batch.source_mask, hypotheses.tokens, hypotheses.weights, strict=True)
    for number, (source_ids, mask, output_ids, weights) in enumerate(examples):
        source = [vocabulary.tokens[i] for i in source_ids[mask].tolist()]
        ids = output_ids.tolist()
        # Up to and including <eos>: the step that chose it attended somewhere too.
        length = ids.index(vocabulary.eos_id) + 1 if vocabulary.eos_id in ids else len(ids)
        output = [vocabulary.tokens[i] for i in ids[:length]]
        matrix = weights[:length, : len(source)].float().cpu().numpy()
        panels.append(AttentionPanel(source, output, matrix, f"validation example {number}"))
    return draw_attention(panels, f"Attention weights after epoch {epoch}", "output token (greedy)")


class AttentionPanel(NamedTuple):
    """One heatmap: `weights[i, j]` is how much output token i attended to source token j."""

    source: list[str]
    output: list[str]
    weights: np.ndarray  # [len(output), len(source)]
    title: str


def draw_attention(
    panels: Sequence[AttentionPanel], title: str, output_label: str = "output token"
) -> Figure:
    """A matplotlib Figure with one heatmap per panel, in a grid two wide.

    A bare `Figure`, not pyplot: no global backend or figure registry, so nothing to close.
    Margins are set in inches from the token lengths rather than by a layout engine, which
    would double the drawing time.
    """
    from matplotlib.figure import Figure

    # Square cells: each panel is as big as its own tokens. Sizes in inches.
    sizes = [(max(1.0, CELL_INCHES * len(p.source)), max(1.0, CELL_INCHES * len(p.output))) for p in panels]
    left = 0.45 + CHAR_INCHES * max((len(token) for p in panels for token in p.output), default=0)
    bottom = 0.45 + CHAR_INCHES * max((len(token) for p in panels for token in p.source), default=0)
    top, panel_title, right = 0.4, 0.3, 1.1  # the figure's title; each panel's title; colour bar
    columns, column_width = min(2, len(panels)), max(1.6, *(w for w, _ in sizes))
    row_tops = [top]  # each row as tall as its tallest panel
    for first in range(0, len(sizes), columns):
        row_tops.append(
            row_tops[-1] + panel_title + max(h for _, h in sizes[first : first + columns]) + bottom
        )
    width, height = columns * (left + column_width) + right, row_tops[-1]
    figure = Figure(figsize=(width, height))
    for number, (panel, (w, h)) in enumerate(zip(panels, sizes, strict=True)):
        row, column = divmod(number, columns)
        x, y = left + column * (column_width + left), height - row_tops[row] - panel_title - h
        ax = figure.add_axes((x / width, y / height, w / width, h / height))
        image = ax.imshow(panel.weights, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(panel.source)), panel.source, rotation=90, fontsize=7)
        ax.set_yticks(range(len(panel.output)), panel.output, fontsize=7)
        ax.set_xlabel("source token", fontsize=9)
        ax.set_ylabel(output_label, fontsize=9)
        ax.set_title(panel.title, fontsize=9, loc="left")
    colour_axes = figure.add_axes(((width - 0.8) / width, 0.3, 0.15 / width, 0.4))
    figure.colorbar(image, cax=colour_axes, label="attention weight")
    figure.suptitle(title, y=1 - 0.25 / height)
    return figure


def save_png(figure: Figure, run_dir: Path, path: Path) -> np.ndarray:
    """Draws `figure` on an Agg canvas, writes it to `path` (inside `run_dir`) and returns its RGB
    pixels [H, W, 3]."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from plugboard.core.job.run_files import replacing

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    with replacing(run_dir, path, binary=True) as file:
        Image.fromarray(pixels).save(file, format="PNG")
    return pixels
