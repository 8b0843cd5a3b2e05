"""Predictions of a checkpoint: for any model, its `predict_step` over its data; for raw text,
the reader its family provides (`text_predictor`, e.g. the seq2seq family's decoder of strings).

    python predict.py ckpt_path=<.ckpt>                       # predict_step over the data's predict split
    python predict.py ckpt_path=<.ckpt> inputs='["3 1 2"]'    # raw text, through cfg.text_predictor
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig

from plugboard.core.errors import ConfigError, MissingFileError
from plugboard.core.job import entry_point, get_logger, run_job
from plugboard.core.text_files import read_lines

log = get_logger(__name__)

PREDICTIONS_FILE = "predictions.jsonl"


def predict(cfg: DictConfig) -> dict[str, float]:
    """Raw text when `inputs` or `inputs_file` is given, else the data's predict split."""
    if cfg.get("inputs") is not None or cfg.get("inputs_file") is not None:
        from hydra.utils import instantiate

        texts = read_inputs(cfg.get("inputs"), cfg.get("inputs_file"))
        return instantiate(cfg.text_predictor)(cfg, texts)
    return predict_data(cfg)


def predict_data(cfg: DictConfig) -> dict[str, float]:
    """`trainer.predict` with the checkpoint's model and data; one JSON line per example."""
    import lightning as L
    from lightning.pytorch.utilities.model_helpers import is_overridden

    from plugboard.core.checkpoints.rebuild import rebuild
    from plugboard.core.config.instantiate import instantiate_trainer

    rebuilt = rebuild(cfg.ckpt_path, data=cfg.get("data"), paths=cfg.paths)
    if not is_overridden("predict_step", rebuilt.model):
        raise ConfigError(
            f"{type(rebuilt.model).__name__} has no predict_step, so predict.py has nothing to call. "
            "Define predict_step(batch, batch_idx) on the LightningModule (Lightning's hook: return "
            "the predictions of a batch), then run predict.py again: no retraining needed."
        )
    trainer: L.Trainer = instantiate_trainer(cfg.trainer, logger=False)
    try:
        batches = trainer.predict(rebuilt.model, datamodule=rebuilt.datamodule)
    except Exception as error:
        if "predict_dataloader" in str(error):
            raise ConfigError(
                f"{type(rebuilt.datamodule).__name__} has no data to predict on ({error}). Define "
                "predict_dataloader on the DataModule (Lightning's hook), or pass inputs=... for a "
                "family that reads raw text."
            ) from None
        raise
    path = Path(cfg.paths.output_dir) / PREDICTIONS_FILE
    count = write_jsonl(path.parent, path.name, (item for batch in batches or [] for item in _rows(batch)))
    log.info(f"{count} predictions written to {path}")
    return {"predictions": count}


def read_inputs(inputs: Sequence[object] | str | None, inputs_file: str | None) -> list[str]:
    """The texts to predict: a list given on the command line, or one per non-blank line of a file."""
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
        texts = [line for line in read_lines(path, "inputs") if line.strip()]
        if not texts:
            raise ConfigError(f"inputs_file={inputs_file} has no inputs: write one input per line.")
        return texts
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list | tuple | ListConfig) or not texts:
        problem = "an empty list" if isinstance(texts, list | tuple | ListConfig) else "not a list of strings"
        raise ConfigError(f'inputs={inputs!r} is {problem}: write inputs=\'["12 march 2021", "3/4/99"]\'.')
    return [str(text) for text in texts]


def write_jsonl(run_dir: Path, name: str, records: Any) -> int:
    """`<run_dir>/<name>`, one JSON object per line; returns how many were written."""
    from plugboard.core.job.run_files import replacing

    count = 0
    with replacing(run_dir, name) as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def _rows(batch: Any) -> list[dict[str, Any]]:
    """A `predict_step` result as one record per example (a list, a tensor's rows, a dict of them)."""
    if hasattr(batch, "tolist"):
        batch = batch.tolist()
    if isinstance(batch, dict):
        columns = {
            name: value.tolist() if hasattr(value, "tolist") else value for name, value in batch.items()
        }
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    if isinstance(batch, list | tuple):
        return [{"prediction": row} for row in batch]
    return [{"prediction": batch}]


@entry_point("predict")
def main(cfg: DictConfig) -> None:
    run_job(cfg, predict, "predict")
