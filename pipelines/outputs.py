"""The one check of an `--output` file, made before anything is computed, so a bad path fails at once."""

from __future__ import annotations

from pathlib import Path

from .errors import PipelineError


def check_output_file(path: str | Path, example: str) -> Path:
    """`path` as a Path, once it is known to be writable as a file: not a folder, and in a folder that exists.

    `example`: a file name to suggest when `path` is a folder (vocab.json, vectors.txt, ...).
    """
    path = Path(path)
    if path.is_dir():
        raise PipelineError(f"--output {path} is a directory; give a file name such as {path / example}")
    if not path.parent.exists():
        raise PipelineError(f"--output {path}: the folder {path.parent} does not exist")
    return path
