"""Atomic outputs: a crash or Ctrl-C leaves either the old file (or folder) or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def open_atomically(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through: a temporary file beside it, flushed to disk and renamed over
    `path` when the block ends without an error; on an error or Ctrl-C it is removed and `path` is untouched."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; an output is as the umask says
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_atomically(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    with open_atomically(path) as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def replace_directory(new: Path, target: Path) -> None:
    """Put the folder `new` at `target`; an existing `target` is removed only once the new one is in place.

    tagger/ keeps its own copy for model directories, since it may not import pipelines.
    """
    backup = None
    if target.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(backup)
        os.replace(target, backup)
    try:
        os.replace(new, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
