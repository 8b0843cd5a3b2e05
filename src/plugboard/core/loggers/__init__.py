"""Loggers of our own: only where Lightning's do not do what a resumed run needs."""

from plugboard.core.loggers.csv import ResumableCSVLogger

__all__ = ["ResumableCSVLogger"]
