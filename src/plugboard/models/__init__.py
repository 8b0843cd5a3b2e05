"""What families share on the model side: the evaluation path every family's LightningModule takes.

A family's LightningModule subclasses `EvaluatedModule`, writes its metrics (a factory for one
split) and its evaluation step, and gets split names, one set of metrics per split and logging
that puts each split's metrics under its own loader. See `plugboard.models.evaluated`.
"""

from plugboard.models.evaluated import EvaluatedModule

__all__ = ["EvaluatedModule"]
