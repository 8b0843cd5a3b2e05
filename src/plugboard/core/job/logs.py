"""Log lines once per job, not once per DDP process; Lightning's messages printed once.

`get_logger` wraps a standard logger in a `logging.LoggerAdapter` that drops records on ranks
other than zero (lightning-hydra-template's `RankedLogger` does the same). The shared
`logging.Logger` objects are left as they are: other code logging to the same name is unaffected,
and asking twice gives two adapters, not a method wrapped twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

from plugboard.core.job.ranks import global_rank


class RankZeroLogger(logging.LoggerAdapter):
    """A logger whose records are emitted on rank 0 only."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if global_rank() == 0:
            kwargs.setdefault("stacklevel", 2)  # the caller's line, not this method's
            super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs  # no extra context added to the message


def get_logger(name: str) -> RankZeroLogger:
    """The logger `name`, speaking on rank 0 only."""
    return RankZeroLogger(logging.getLogger(name), extra=_NO_EXTRA)


_NO_EXTRA: Mapping[str, Any] = {}

LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")


def route_lightning_logs() -> None:
    """Lightning's messages through the handlers Hydra set up: once, in the job's format, and into
    the job's log file.

    `import lightning` gives the `lightning` logger a console handler of its own (and, when
    imported before any logging was set up, its subpackages one each that stop propagation).
    With Hydra's root handlers that printed every message twice, or kept it out of the log file.
    """
    import lightning  # noqa: F401  (its handlers exist from here on)

    if not logging.getLogger().handlers:
        return  # no handlers of Hydra's: Lightning's own are all there is
    for name in LIGHTNING_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
