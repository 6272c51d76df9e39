"""`postag models upgrade DIR`: a model directory written by an earlier postag, brought up to date on request.

Loading never changes a model directory: one that lacks the inference graph (format 2) or holds a graph with
other inputs than this postag gives is refused with tagger.errors.OutdatedModel, which names this command.
Upgrading exports the graph again from the directory's Keras weights (so it needs TensorFlow: postag[train])
and rewrites the directory atomically as format 3, with its checksums.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import PipelineError


@dataclass
class UpgradeResult:
    directory: Path
    upgraded: bool
    reason: str  # why it was upgraded, or that it was already current


def upgrade_model(directory: str | Path) -> UpgradeResult:
    """Export the graph of an outdated model directory again from its weights; a current one is left as it is."""
    from tagger import Tagger
    from tagger.errors import OutdatedModel

    directory = Path(directory)
    if not directory.is_dir():
        raise PipelineError(f"no model directory at {directory}: `postag models upgrade` takes a directory (a shipped "
                            f"model is always current)")
    try:
        Tagger.load(directory, threads=1)
        return UpgradeResult(directory, False, "already current: it loads as it is")
    except OutdatedModel as error:
        reason = str(error)
    from tagger.training.keras_tagger import export_directory

    export_directory(directory)
    Tagger.load(directory, threads=1)  # the upgraded directory loads, or this is an error now, not at tagging time
    return UpgradeResult(directory, True, reason)
