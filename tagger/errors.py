"""Errors of the model side that a user can cause: a bad setting, a missing or damaged model directory."""

from common.errors import PostagError


class ConfigError(PostagError):
    """A configuration key or value is not accepted; the message lists what is."""


class ModelError(PostagError):
    """A model directory is missing, incomplete, damaged or was written by an incompatible version."""
