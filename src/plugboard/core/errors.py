"""Errors the user can fix. Their message is one paragraph: what is wrong and what to do.

The entry points print these without a traceback (set HYDRA_FULL_ERROR=1 to see one);
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from hydra.errors import CompactHydraException, InstantiationException
from omegaconf.errors import OmegaConfBaseException


class PlugboardError(Exception):
    """Bad input: a config value, a data file, a checkpoint."""


class ConfigError(PlugboardError, ValueError):
    """A config value that cannot work (wrong type, impossible combination, nothing to resume)."""


class DataError(PlugboardError, ValueError):
    """A data file or generated dataset that cannot be used as asked."""


class MissingFileError(PlugboardError, FileNotFoundError):
    """A file named in the config does not exist."""


class SweepError(PlugboardError, CompactHydraException):
    """A sweep that cannot go on, or ended with nothing to compare (Hydra prints it without a traceback)."""


def user_message(error: BaseException) -> str | None:
    """The paragraph to show for a user error, or None when `error` is a bug."""
    if isinstance(error, PlugboardError):
        return str(error)
    if isinstance(error, InstantiationException):
        # Hydra wraps what a constructor raised; the constructor's own message is the useful part.
        cause = error.__cause__
        detail = f"{type(cause).__name__}: {cause}" if cause is not None else str(error)
        return f"{str(error).splitlines()[0].rstrip(':')}: {detail}"
    if isinstance(error, OmegaConfBaseException):
        return f"Invalid config: {error}"
    return None
