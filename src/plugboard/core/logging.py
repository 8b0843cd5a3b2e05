"""A logger that speaks once per job, not once per DDP process."""

from __future__ import annotations

import logging

from plugboard.core.rank_zero import rank_zero_only


def get_logger(name: str) -> logging.Logger:
    """A standard logger whose methods are no-ops on ranks other than zero."""
    logger = logging.getLogger(name)
    for level in ("debug", "info", "warning", "error", "exception", "critical"):
        setattr(logger, level, rank_zero_only(getattr(logger, level)))
    return logger
