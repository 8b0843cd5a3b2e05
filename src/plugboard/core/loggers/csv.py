"""Lightning's CSVLogger, made to continue an existing metrics.csv when a run is resumed.

Lightning's writer deletes an existing metrics.csv when it starts, so a resumed run would
lose the curves of the epochs before the interruption. This logger keeps the file and
starts from its header, so new rows are appended under the same columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.logger import rank_zero_experiment


class ResumableCSVLogger(CSVLogger):
    @property
    @rank_zero_experiment
    def experiment(self):
        if self._experiment is None:
            path = Path(self.log_dir) / "metrics.csv"
            earlier = path.read_text() if path.is_file() else ""
            writer = super().experiment
            if earlier:
                path.write_text(earlier)
                writer.metrics_keys = next(csv.reader(earlier.splitlines()), [])
        return self._experiment
