"""Opening text files with errors a user can act on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .types import CorpusError, CorpusNotFoundError

_CONLLU_ID = re.compile(r"^\d+([-.]\d+)?$")


def decode(data: bytes, source: str | Path) -> str:
    """UTF-8 text with a leading BOM dropped; an error names the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(
            f"{source}:{line}: not valid UTF-8 (byte {error.start}); re-encode the file as UTF-8"
        ) from None


def read_raw_text(path: str | Path) -> str:
    """The file decoded as UTF-8 (BOM dropped) with its line ends untouched, so offsets match the file."""
    path = Path(path)
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a directory, expected a file")
    return decode(path.read_bytes(), path)


def read_text(path: str | Path) -> str:
    """The whole file as text: UTF-8 (a BOM is dropped), Windows and old Mac line ends normalised."""
    return read_raw_text(path).replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its line end), streamed: memory does not grow with the file.

    UTF-8 with an optional BOM; Windows and old Mac line ends read as line ends. A decoding error is
    reported with the line of the first bad byte.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a directory, expected a file")
    try:
        # newline=None: universal newlines ("\r\n" and "\r" become "\n"), as read_text normalises them.
        with open(path, encoding="utf-8-sig", newline=None) as file:
            for number, line in enumerate(file, start=1):
                yield number, line[:-1] if line.endswith("\n") else line
    except UnicodeDecodeError:
        read_text(path)  # raises the error with the line number
        raise


def truncation_hint(source: str | Path, number: int) -> str:
    """A note for errors on the last line of a file that stops without a line end (a cut-off download)."""
    try:
        data = Path(source).read_bytes()
    except OSError:
        return ""
    if data and not data.endswith((b"\n", b"\r")) and data.count(b"\n") + 1 == number:
        return "; the file ends in the middle of this line: it may be truncated"
    return ""


def guess_line_format(line: str, separator: str = "/") -> str | None:
    """What a malformed line looks like ('conllu', 'wordtag', 'columns'), to suggest the right --format."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):  # a CoNLL-U comment, or the word "#": no telling
        return None
    fields = stripped.split("\t") if "\t" in stripped else stripped.split()
    if len(fields) == 10 and _CONLLU_ID.match(fields[0]):
        return "conllu"
    tokens = stripped.split()
    if all(split_word_tag(token, separator) for token in tokens):
        return "wordtag"
    if 2 <= len(tokens) <= 20:
        return "columns"
    return None


def split_word_tag(token: str, separator: str = "/") -> tuple[str, str] | None:
    """(word, tag) of a word/TAG token, or None when it is not one: the one rule every reader and guess uses.

    The token splits at its LAST separator, so words holding it ("1/2/CD", "and/or/CC") keep theirs; word and
    tag must both be non-empty. It lives here, beside the format guessing that needs it, as wordtag.py and
    files.py import this module.
    """
    word, found, tag = token.rpartition(separator)
    return (word, tag) if found and word and tag else None


def format_hint(line: str, actual: str, separator: str = "/") -> str:
    guessed = guess_line_format(line, separator)
    if guessed and guessed != actual:
        return f"; this line looks like {FORMAT_NAMES[guessed]}: try --format {guessed}"
    return ""


FORMAT_NAMES = {
    "conllu": "CoNLL-U",
    "wordtag": "word/TAG tokens",
    "columns": "word and tag columns",
}
