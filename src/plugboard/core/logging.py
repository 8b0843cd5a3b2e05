"""A logger that speaks once per job, not once per DDP process; Lightning's messages printed once."""

from __future__ import annotations

import logging

from plugboard.core.rank_zero import rank_zero_only


def get_logger(name: str) -> logging.Logger:
    """A standard logger whose methods are no-ops on ranks other than zero."""
    logger = logging.getLogger(name)
    for level in ("debug", "info", "warning", "error", "exception", "critical"):
        setattr(logger, level, rank_zero_only(getattr(logger, level)))
    return logger


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
