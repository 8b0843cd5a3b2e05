"""MLflow logging to a local file store, with no server to run."""

from __future__ import annotations

import os
from typing import Any

from lightning.pytorch.loggers import MLFlowLogger


def local_mlflow_logger(**kwargs: Any) -> MLFlowLogger:
    """An `MLFLowLogger` on a `file:` tracking URI.

    MLflow 3 refuses the file store unless `MLFLOW_ALLOW_FILE_STORE` is set; a local folder
    is what a template user wants before they set up a tracking server, so it is set here.
    """
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return MLFlowLogger(**kwargs)
