"""Opening text files with errors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .types import CorpusError, CorpusNotFoundError


def read_text(path: str | Path) -> str:
    """The whole file as text: UTF-8 (a BOM is dropped), Windows line ends normalised."""
    path = Path(path)
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a directory, expected a file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not valid UTF-8 (byte {error.start}); re-encode the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its line end)."""
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        yield number, line
