"""Verified downloads: fetch to a temporary file beside the target, check size and SHA-256, then rename.

A failed or interrupted download never leaves a half-written file under the final name: the data goes
to a hidden `.<name>.<pid>@<host>.<random>.part` file in the same folder, which is renamed over the target
(atomic on one file system) only once complete and verified, and deleted otherwise. A new attempt starts
over, and removes the `.part` files of downloads that were killed. Folders made for a download that fails
are removed again.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from common.files import file_mode, remove_stale_temporaries, temporary_prefix

from .types import CorpusNotFoundError

CHUNK = 1 << 16


class ChecksumError(CorpusNotFoundError):
    """A downloaded file does not have the expected SHA-256."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    target: Path,
    sha256: str | None = None,
    timeout: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download `url` to `target` atomically; `progress(done_bytes, total_bytes_or_None)`.

    Folders made for the target are removed again when the download fails (if still empty).
    """
    created = make_folders(target.parent)
    try:
        return _download(url, target, sha256, timeout, progress)
    except BaseException:
        remove_empty_folders(created)
        raise


def make_folders(folder: Path) -> list[Path]:
    """mkdir -p; the folders it made, deepest first."""
    missing = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        missing.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty_folders(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:  # not empty (another download put a file there), or already gone
            return


def _download(url, target: Path, sha256, timeout, progress) -> Path:
    remove_stale_temporaries(target.parent, target.name)  # .part files of downloads that were killed
    fd, tmp_name = tempfile.mkstemp(prefix=temporary_prefix(target.name), suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        try:
            # The temporary file is wrapped first so that its descriptor is closed even when urlopen fails.
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                total = response.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                done = 0
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        except urllib.error.HTTPError as error:
            raise CorpusNotFoundError(f"download of {url} failed: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CorpusNotFoundError(f"download of {url} failed: {reason}") from None
        except http.client.HTTPException as error:  # IncompleteRead: the connection closed mid-file
            raise CorpusNotFoundError(f"download of {url} failed: {type(error).__name__}: {error}") from None
        if total is not None and done != total:
            raise CorpusNotFoundError(f"download of {url} stopped after {done} of {total} bytes; try again")
        if sha256 and digest.hexdigest() != sha256:
            raise ChecksumError(
                f"download of {url} has SHA-256 {digest.hexdigest()}, expected {sha256}; "
                "the file was not kept"
            )
        os.chmod(tmp_name, file_mode())  # mkstemp's 0600 would make the corpus private
        os.replace(tmp_name, target)
        return target
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
