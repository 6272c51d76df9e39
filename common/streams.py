"""The process's standard streams at the file-descriptor level, where native code and child processes write."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def stderr_dropped():
    """Everything written to file descriptor 2 inside (by C++ libraries, or by child processes that inherit it)
    goes to the null device; Python exceptions still propagate, and stderr is back as it was on the way out."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
