"""Plugboard: a Hydra + PyTorch Lightning experiment template with plug-in modules."""

from plugboard.core.config.resolvers import register_resolvers

__version__ = "0.2.0"

register_resolvers()
