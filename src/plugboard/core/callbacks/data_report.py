"""Writes what the data pipeline did into the run dir: `data_report.json`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import lightning as L

from plugboard.core.job.logs import get_logger
from plugboard.core.job.run_files import write_text

log = get_logger(__name__)
DATA_REPORT = "data_report.json"


class DataReport(L.Callback):
    """Saves the DataModule's `report` (a dict of plain data valid after `setup`, when it has one).

    The DataModule does not know the run dir and the core does not know what a family's data
    holds; this callback joins the two through one generic attribute, as the metadata hand-off
    does. Written once, by the first process, when fitting starts.
    """

    def __init__(self, output_dir: str | Path) -> None:
        self.output_dir = Path(output_dir)

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        report = getattr(trainer.datamodule, "report", None)
        if stage != "fit" or not isinstance(report, Mapping) or not trainer.is_global_zero:
            return
        path = write_text(
            self.output_dir, DATA_REPORT, json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        )
        sizes = ", ".join(f"{split} {part['examples']}" for split, part in report.get("splits", {}).items())
        log.info(f"Data report written to {path} ({sizes or 'no splits'})")
