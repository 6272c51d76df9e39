"""Errors of the model side that a user can cause: a bad setting, a missing or damaged model directory."""

from common.errors import PostagError


class ConfigError(PostagError):
    """A configuration key or value is not accepted; the message lists what is."""


class ModelError(PostagError):
    """A model directory is missing, incomplete, damaged or was written by an incompatible version."""


class OutdatedModel(ModelError):
    """A model directory written by an earlier postag (no inference graph, or one with other inputs) that its
    weights can bring up to date: `postag models upgrade DIR` does it, explicitly, never a load."""
