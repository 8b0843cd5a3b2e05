"""Lightning's CSVLogger, made to continue an existing metrics.csv when a run is resumed, and to
write its files through the run-dir write helper (`plugboard.core.job.run_files`).

Lightning's writer deletes an existing metrics.csv when it starts, so a resumed run would
lose the curves of the epochs before the interruption. This logger keeps the file and
starts from its header, so new rows are appended under the same columns. Lightning opens its
files with whatever is at their path, a planted link included; here rows are appended without
following a link, and a file rewritten (a new column, the hyper-parameters) is replaced whole.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment

from plugboard.core.job.run_files import appending, write_text


class ResumableCSVLogger(CSVLogger):
    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            path = Path(self.log_dir) / RunDirCSVWriter.NAME_METRICS_FILE
            earlier = path.read_text() if path.is_file() and not path.is_symlink() else ""
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = RunDirCSVWriter(log_dir=self.log_dir)
            if earlier:
                write_text(self.log_dir, path.name, earlier)
                self._experiment.metrics_keys = next(csv.reader(earlier.splitlines()), [])
        return self._experiment


class RunDirCSVWriter(ExperimentWriter):
    """Lightning's writer of metrics.csv and hparams.yaml, writing through `run_files`."""

    def save(self) -> None:
        if not self.metrics:
            return
        new_keys = self._record_new_keys()
        path = Path(self.metrics_file_path)
        if new_keys and path.is_file():  # a new column: the whole file gets the new header
            with path.open(newline="") as file:
                earlier = list(csv.DictReader(file))
            write_text(self.log_dir, path.name, self._rows([*earlier, *self.metrics], header=True))
        else:
            fresh = not path.is_file()
            with appending(self.log_dir, path.name) as file:
                file.write(self._rows(self.metrics, header=fresh))
        self.metrics = []

    def log_hparams(self, params: dict) -> None:
        """Lightning's YAML of the hyper-parameters (objects it cannot write are left out, as there)."""
        from lightning.pytorch.core.saving import save_hparams_to_yaml

        self.hparams.update(params)
        with tempfile.TemporaryDirectory() as scratch:
            drafted = Path(scratch, self.NAME_HPARAMS_FILE)
            save_hparams_to_yaml(drafted, self.hparams)
            write_text(self.log_dir, self.NAME_HPARAMS_FILE, drafted.read_text())

    def _rows(self, rows: list[dict], header: bool) -> str:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.metrics_keys)
        if header:
            writer.writeheader()
        writer.writerows(rows)
        return text.getvalue()
