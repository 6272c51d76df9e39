"""Errors a pipeline raises for a user's mistake (the CLI shows them as one line, exit code 2)."""

from common.errors import PostagError


class PipelineError(PostagError):
    """Bad input to a pipeline: an option value, an output path, a missing model."""


class TrainingDiverged(PipelineError):
    """The training loss stopped being a finite number, usually from too large a learning rate."""
