"""`python export.py ckpt_path=... format=onnx|torch_export`: deployable graphs, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Gt, Interval
from omegaconf import DictConfig

from plugboard.core.config.ranges import RUN_KEYS
from plugboard.core.job import entry_point, get_logger, run_job

log = get_logger(__name__)

# The keys of configs/export.yaml, checked before anything is loaded.
CONFIG_KEYS: dict[str, Any] = {
    **RUN_KEYS,
    "ckpt_path": str,
    "format": Literal["onnx", "torch_export", "torchscript"],
    "opset": Annotated[int, Interval(ge=14, le=20)],
    "output_dir": str | None,
    "check": bool,
    "check_tolerance": Annotated[float, Gt(0)],
}


def export_checkpoint(cfg: DictConfig) -> dict[str, float]:
    """Exports the checkpoint at `cfg.ckpt_path`, then (with `check=true`) compares on its test data."""
    # Imported here, not above: Hydra answers --help and composition errors without torch.
    from plugboard.core.checkpoints.rebuild import rebuild
    from plugboard.seq2seq.export.check import check_export
    from plugboard.seq2seq.export.exporter import export_model
    from plugboard.seq2seq.export.runtime import load_graphs
    from plugboard.seq2seq.inference import require_seq2seq

    rebuilt = rebuild(cfg.ckpt_path, paths=cfg.paths)
    model = require_seq2seq(rebuilt, "ONNX and torch.export export")
    log.info(f"Loaded {cfg.ckpt_path} (epoch {rebuilt.checkpoint.get('epoch')})")

    output_dir = Path(cfg.output_dir or cfg.paths.output_dir)
    checkpoint = str(Path(cfg.ckpt_path).resolve())
    pipeline = getattr(rebuilt.datamodule, "pipeline", None)
    export_model(model, output_dir, cfg.format, cfg.opset, checkpoint=checkpoint, pipeline=pipeline)
    if not cfg.check:
        log.info("Not checking the exported graphs against PyTorch (check=false)")
        return {}
    datamodule = rebuilt.datamodule
    datamodule.setup("test")
    batch = next(iter(datamodule.test_dataloader()[0]))
    return check_export(load_graphs(output_dir), model, batch, cfg.check_tolerance)


@entry_point("export")
def main(cfg: DictConfig) -> None:
    run_job(cfg, export_checkpoint, "export", CONFIG_KEYS)
