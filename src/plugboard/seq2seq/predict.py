"""Predictions of a checkpoint for raw strings: a table on screen, predictions.jsonl in the run dir."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import hydra
from omegaconf import DictConfig, ListConfig

from plugboard.core.errors import ConfigError, MissingFileError
from plugboard.core.job import run_job
from plugboard.core.logging import get_logger
from plugboard.core.paths import CONFIG_DIR
from plugboard.seq2seq.inference import Prediction, load_predictor

log = get_logger(__name__)

PREDICTIONS_FILE = "predictions.jsonl"
HEATMAP_DIR = "attention"


def predict(cfg: DictConfig) -> dict[str, float]:
    """Decodes `cfg.inputs` (or the lines of `cfg.inputs_file`) with the checkpoint at `cfg.ckpt_path`."""
    texts = read_inputs(cfg.get("inputs"), cfg.get("inputs_file"))
    predictor = load_predictor(cfg.ckpt_path, device=cfg.device, batch_size=cfg.batch_size)
    predictions = predictor.predict(texts, beam_size=cfg.get("beam_size"))

    output_dir = Path(cfg.paths.output_dir)
    heatmaps = save_heatmaps(predictions, output_dir / HEATMAP_DIR) if cfg.get("heatmaps") else {}
    path = write_predictions(predictions, output_dir / PREDICTIONS_FILE, heatmaps)
    print_table(predictions)
    log.info(f"{len(predictions)} predictions written to {path}")
    if heatmaps:
        log.info(f"{len(heatmaps)} attention heatmaps saved in {output_dir / HEATMAP_DIR}")
    return {"inputs": len(predictions), "mean_score": sum(p.score for p in predictions) / len(predictions)}


def read_inputs(inputs: Sequence[object] | str | None, inputs_file: str | None) -> list[str]:
    """The texts to decode: a list given on the command line, or one per non-blank line of a file."""
    if inputs is not None and inputs_file is not None:
        raise ConfigError(
            "Both inputs and inputs_file are set: pass the texts one way only, either "
            'inputs=\'["12 march 2021", "3/4/99"]\' or inputs_file=path/to/lines.txt.'
        )
    if inputs_file is not None:
        path = Path(inputs_file)
        if not path.is_file():
            raise MissingFileError(
                f"inputs_file={inputs_file}: no such file. Pass a UTF-8 text file with one input per line."
            )
        texts = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not texts:
            raise ConfigError(f"inputs_file={inputs_file} has no inputs: write one input per line.")
        return texts
    if inputs is None:
        raise ConfigError(
            'Nothing to predict: pass inputs=\'["12 march 2021", "3/4/99"]\' (a list of strings) '
            "or inputs_file=path/to/lines.txt (one input per line)."
        )
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list | tuple | ListConfig) or not texts:
        problem = "an empty list" if isinstance(texts, list | tuple | ListConfig) else "not a list of strings"
        raise ConfigError(f'inputs={inputs!r} is {problem}: write inputs=\'["12 march 2021", "3/4/99"]\'.')
    return [str(text) for text in texts]


def write_predictions(predictions: list[Prediction], path: Path, heatmaps: dict[int, Path]) -> Path:
    """One JSON object per line, in input order; `heatmap` is the PNG's path when one was drawn."""
    with path.open("w", encoding="utf-8") as file:
        for number, prediction in enumerate(predictions, start=1):
            record = prediction.as_dict()
            if number in heatmaps:
                record["heatmap"] = str(heatmaps[number])
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def print_table(predictions: list[Prediction]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Predictions", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("input", overflow="fold")
    table.add_column("output", style="bold", overflow="fold")
    table.add_column("log-prob", justify="right")
    for number, prediction in enumerate(predictions, start=1):
        table.add_row(str(number), prediction.input, prediction.output, f"{prediction.score:.3f}")
    Console().print(table)


def save_heatmaps(predictions: list[Prediction], directory: Path) -> dict[int, Path]:
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
        paths[number] = directory / f"input_{number:03d}.png"
        save_png(draw_attention([panel], "Attention weights"), paths[number])
    return paths


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="predict")
def main(cfg: DictConfig) -> None:
    run_job(cfg, predict)
