"""Outputs that a crash, a Ctrl-C or a SIGKILL never leaves half-written, and that two runs never share.

- Atomic files and folders: data goes to a temporary beside the output, renamed over it once complete.
- Temporary names say who owns them: `.NAME.<pid>@<host>.<random>.tmp` (files), `.NAME.tmp-<pid>@<host>-<random>`
  (staging folders), `.NAME.old-<pid>@<host>-<random>` (the previous folder while it is being replaced).
  `remove_stale_temporaries` removes those whose process is gone, and only names of that pattern.
- Permissions as the user's umask says (0666 & ~umask for files, 0777 & ~umask for folders), not the 0600 /
  0700 of Python's tempfile; a file or folder replaced keeps the permissions it had.
- `output_lock(target)`: an exclusive flock on `.NAME.lock` beside the output, held while a run writes it;
  a second run fails at once with an OutputLockedError naming the process that holds it.

Standard library only: tagger/, corpora/ and pipelines/ all use this.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import os
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import PostagError, shorten

LOCK_SUFFIX = ".lock"
_NAME_LIMIT = 100  # characters of an output's name kept in its temporaries' names (NAME_MAX is 255 bytes)
_RANDOM = r"[a-z0-9_]{8}"  # what tempfile adds
_OWNER = r"(?P<pid>[0-9]+)@(?P<host>[A-Za-z0-9-]+)"
_LOCK_CONTENT = re.compile(r"^postag pid (?P<pid>[0-9]+) on (?P<host>\S+)")
_umask_lock = threading.Lock()
_cleaned_folders: set[str] = set()


class OutputLockedError(PostagError):
    """Another process is writing the same output."""


# ---- permissions ----------------------------------------------------------------------------------------

def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # elsewhere the only way to read it is to set it and put it back
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def directory_mode() -> int:
    return 0o777 & ~current_umask()


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return None


# ---- temporary names --------------------------------------------------------------------------------------

def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"


def owner_tag() -> str:
    """`<pid>@<host>`: who owns a temporary, so that a later run can tell whether it is stale."""
    return f"{os.getpid()}@{_host()}"


def temporary_prefix(name: str) -> str:
    """`.NAME.<pid>@<host>.`: the start of a temporary file's name for the output NAME (for tempfile.mkstemp)."""
    return f".{_stem(name)}.{owner_tag()}."


def _stem(name: str) -> str:
    """The output's name as its temporaries carry it: long names are cut, with a hash to keep them apart."""
    if len(name) <= _NAME_LIMIT:
        return name
    return f"{name[:80]}~{hashlib.sha1(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def _patterns(name: str | None) -> tuple[re.Pattern, re.Pattern]:
    stem = re.escape(_stem(name)) if name is not None else r"(?P<name>.+)"
    file = re.compile(rf"^\.{stem}\.{_OWNER}\.{_RANDOM}\.(tmp|part)$")
    folder = re.compile(rf"^\.{stem}\.(?P<kind>tmp|old)-{_OWNER}-{_RANDOM}$")
    return file, folder


def _legacy_patterns(name: str) -> tuple[re.Pattern, re.Pattern]:
    """Temporaries named before the owner was part of the name: removable only under NAME's lock."""
    stem = re.escape(name)
    return (re.compile(rf"^\.{stem}\.{_RANDOM}\.(tmp|part)$"),
            re.compile(rf"^\.{stem}\.(?P<kind>tmp|old)-{_RANDOM}$"))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_stale_temporaries(folder: str | Path, name: str | None = None, locked: bool = False) -> list[Path]:
    """Remove the temporaries in `folder` (of the output `name`, or of any) whose process is gone.

    Only names of this module's pattern are touched, and only those of a process of this host that no
    longer runs. `locked`: the caller holds the lock of `name`, so no other process writes it and every
    temporary of `name` is stale, whoever made it (also those named before the owner was in the name).
    A stale `.NAME.old-*` folder whose NAME is missing holds the only copy of the previous output (the
    process died in the middle of replace_directory): it is put back as NAME instead of removed.
    Returns the paths removed or put back.
    """
    folder = Path(folder)
    file_pattern, folder_pattern = _patterns(name)
    legacy = _legacy_patterns(name) if locked and name is not None else ()
    handled: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return handled
    host = _host()
    lock_name = lock_path(folder / name).name if name is not None else None
    for entry in entries:
        match = file_pattern.match(entry.name) or folder_pattern.match(entry.name)
        if match:
            stale = locked or (match["host"] == host and not _process_alive(int(match["pid"])))
        else:
            match = next((m for m in (pattern.match(entry.name) for pattern in legacy) if m), None)
            stale = match is not None
        if not stale:
            if entry.name == lock_name or (lock_name is None and entry.name.endswith(LOCK_SUFFIX)):
                handled += _remove_unheld_lock(Path(entry.path))
            continue
        path = Path(entry.path)
        if match.groupdict().get("kind") == "old":
            target_name = name if name is not None else match["name"]
            if _stem(target_name) != target_name:
                continue  # a cut name: which output this backs up is unknown, so it stays
            target = folder / target_name
            if not target.exists():
                os.replace(path, target)
                handled.append(target)
                continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        handled.append(path)
    return handled


def _remove_unheld_lock(path: Path) -> list[Path]:
    """A lock file of ours that nobody holds (its process was killed): removed, under its own lock."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return []
    try:
        if not _LOCK_CONTENT.match(os.pread(fd, 200, 0).decode("utf-8", "replace")):
            return []  # not a postag lock file
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return []  # held: its owner is alive
        if _same_file(fd, path):
            path.unlink(missing_ok=True)
            return [path]
        return []
    finally:
        os.close(fd)


def _clean_once(folder: Path) -> None:
    """Stale temporaries of a folder are looked for once per process: a folder may hold many outputs."""
    key = os.path.abspath(folder)
    if key not in _cleaned_folders:
        _cleaned_folders.add(key)
        remove_stale_temporaries(folder)


# ---- atomic files -------------------------------------------------------------------------------------------

@contextmanager
def open_atomically(path: str | Path, mode: str = "wb", encoding: str | None = None,
                    newline: str | None = None) -> Iterator[IO]:
    """A file object whose content appears at `path` only when the block ends without an exception.

    The data goes to a temporary beside `path`, is flushed to disk, given the permissions of the file
    it replaces (or 0666 & ~umask), and renamed over `path`.
    """
    path = Path(path)
    folder = path.parent
    _clean_once(folder)
    fd, temporary = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
            mode_bits = _mode_of(path)
            os.fchmod(file.fileno(), file_mode() if mode_bits is None else mode_bits)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_atomically(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    with open_atomically(path) as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


# ---- atomic folders -------------------------------------------------------------------------------------------

def make_staging_directory(target: str | Path) -> Path:
    """An empty folder beside `target` to write the new output in, then `replace_directory(staging, target)`.

    Named `.NAME.tmp-<pid>@<host>-<random>`, with 0777 & ~umask permissions; stale temporaries of NAME
    left by killed processes are removed first. The parent folder is created when missing.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent, target.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{_stem(target.name)}.tmp-{owner_tag()}-", dir=target.parent))
    os.chmod(staging, directory_mode())
    return staging


def replace_directory(new: Path, target: Path) -> None:
    """Put the folder `new` at `target`; an existing `target` is removed only once the new one is in place.

    The new folder takes the permissions of the one it replaces (0777 & ~umask for a first one). Between
    the two renames the old folder is `.NAME.old-<pid>@<host>-<random>`: if the process dies just then,
    `remove_stale_temporaries` puts it back.
    """
    new, target = Path(new), Path(target)
    previous_mode = _mode_of(target)
    os.chmod(new, directory_mode() if previous_mode is None else previous_mode)
    backup = None
    if target.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{_stem(target.name)}.old-{owner_tag()}-", dir=target.parent))
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


@contextmanager
def staged_directory(target: str | Path) -> Iterator[Path]:
    """A staging folder to fill; it replaces `target` when the block ends without an exception."""
    target = Path(target)
    staging = make_staging_directory(target)
    try:
        yield staging
        replace_directory(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# ---- one writer per output -----------------------------------------------------------------------------------

def lock_path(target: str | Path) -> Path:
    target = Path(target)
    return target.parent / f".{_stem(target.name)}{LOCK_SUFFIX}"


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


@contextmanager
def output_lock(target: str | Path, clean: bool = True) -> Iterator[Path]:
    """Hold an exclusive lock on `target` (a file or folder) while the block runs; yields the lock file.

    The lock is an flock on `.NAME.lock` beside the target (the parent folder is created when missing), so
    the kernel releases it however the process ends. A second process asking for it fails at once with an
    OutputLockedError that names the holder. `clean`: once locked, remove every temporary of NAME (no
    other process may be writing it now). The lock file is removed when the block ends.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(target)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)  # the umask applies
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            match = _LOCK_CONTENT.match(holder)
            who = f"pid {match['pid']} on {match['host']}" if match else "another process"
            raise OutputLockedError(
                f"{shorten(target)}: another postag run ({who}) is writing this output; wait for it to end or "
                f"choose another output (lock file {shorten(path.name)})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # The previous holder removes the file as it leaves: the lock counts only on the file still there.
        if _same_file(fd, path):
            break
        os.close(fd)
    try:
        started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"postag pid {os.getpid()} on {_host()} since {started}\n".encode(), 0)
        if clean:
            remove_stale_temporaries(target.parent, target.name, locked=True)
        yield path
    finally:
        try:
            path.unlink(missing_ok=True)  # still holding the lock: nobody else can be using this file
        finally:
            os.close(fd)
