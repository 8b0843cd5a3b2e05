"""Raw strings through a seq2seq checkpoint: a table on screen, predictions.jsonl in the run dir.

`predict.py` (plugboard.core.predict) calls `predict_texts` when it is given inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from annotated_types import Ge
from omegaconf import DictConfig

from plugboard.core.job.logs import get_logger
from plugboard.core.job.run_files import replacing
from plugboard.core.predict import PREDICTIONS_FILE
from plugboard.seq2seq.inference import Prediction, load_predictor

log = get_logger(__name__)

HEATMAP_DIR = "attention"


def predict_texts(
    cfg: DictConfig,
    texts: list[str],
    *,
    beam_size: Annotated[int, Ge(1)] | None = None,
    heatmaps: bool = False,
    batch_size: Annotated[int, Ge(1)] = 64,
    device: str = "cpu",
) -> dict[str, float]:
    """Decodes `texts` with the checkpoint at `cfg.ckpt_path` (predict.py's `text_predictor`).

    `beam_size`: None keeps the checkpoint's `model.beam_size`; `heatmaps`: one attention PNG per
    input under `<run dir>/attention/`; `batch_size` inputs are decoded together on `device`.
    """
    predictor = load_predictor(cfg.ckpt_path, device=device, batch_size=batch_size, paths=cfg.paths)
    predictions = predictor.predict(texts, beam_size=beam_size)

    output_dir = Path(cfg.paths.output_dir)
    heatmaps = save_heatmaps(predictions, output_dir, HEATMAP_DIR) if heatmaps else {}
    path = write_predictions(predictions, output_dir, heatmaps)
    print_table(predictions)
    log.info(f"{len(predictions)} predictions written to {path}")
    if heatmaps:
        log.info(f"{len(heatmaps)} attention heatmaps saved in {output_dir / HEATMAP_DIR}")
    return {
        "inputs": len(predictions),
        "mean_score": sum(p.score for p in predictions) / len(predictions),
        "cut_outputs": sum(p.truncated for p in predictions),
    }


def write_predictions(predictions: list[Prediction], run_dir: Path, heatmaps: dict[int, Path]) -> Path:
    """`<run_dir>/predictions.jsonl`: one JSON object per line, in input order (`truncated`: the
    output hit the length cap; `warning`: e.g. an input far longer than training); `heatmap` is
    the PNG's path when one was drawn."""
    with replacing(run_dir, PREDICTIONS_FILE) as file:
        for number, prediction in enumerate(predictions, start=1):
            record = prediction.as_dict()
            if number in heatmaps:
                record["heatmap"] = str(heatmaps[number])
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return run_dir / PREDICTIONS_FILE


def print_table(predictions: list[Prediction]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Predictions", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("input", overflow="fold")
    table.add_column("output", style="bold", overflow="fold")
    table.add_column("log-prob", justify="right")
    for number, prediction in enumerate(predictions, start=1):
        output = prediction.output + (" [cut at the length cap]" if prediction.truncated else "")
        table.add_row(str(number), prediction.input, output, f"{prediction.score:.3f}")
    Console().print(table)


def save_heatmaps(predictions: list[Prediction], run_dir: Path, folder: str) -> dict[int, Path]:
    """One PNG per input: source tokens across, output tokens down. Empty when the model has no attention."""
    if predictions[0].attention is None:
        log.warning("This model's decoder returns no attention weights, so no heatmaps were drawn.")
        return {}
    from plugboard.seq2seq.callbacks.attention_heatmaps import AttentionPanel, draw_attention, save_png

    paths = {}
    for number, prediction in enumerate(predictions, start=1):
        steps = prediction.attention.shape[0]
        output = prediction.tokens + ["<eos>"] * (steps - len(prediction.tokens))
        panel = AttentionPanel(
            prediction.source_tokens, output, prediction.attention.numpy(), f"input {number}"
        )
        paths[number] = run_dir / folder / f"input_{number:03d}.png"
        save_png(draw_attention([panel], "Attention weights"), run_dir, paths[number])
    return paths
