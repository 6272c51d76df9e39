"""Opening text files with errors a user can act on, reading them in bounded pieces.

Every reader goes through `iter_raw_lines`, which reads `READ_CHUNK` bytes at a time and refuses a line
longer than `MAX_LINE_BYTES`: memory stays bounded whatever the input (a file without line ends,
/dev/zero), and the error names the file, the line and the byte offset where that line starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from common.errors import quoted

from .types import CorpusError, CorpusNotFoundError

# The longest line in the corpora postag reads is 5,775 bytes (NLTK inaugural; UD EWT: 977): a line 180
# times that long is a file without line ends, or not text at all.
MAX_LINE_BYTES = 1 << 20
READ_CHUNK = 1 << 18
_CONLLU_ID = re.compile(r"^\d+([-.]\d+)?$")


def line_too_long(source: str | Path, number: int, offset: int, limit: int) -> CorpusError:
    return CorpusError(
        f"{source}:{number}: line longer than {limit:,} bytes (it starts at byte {offset:,}); "
        "postag reads text with line ends, a sentence or a token a line"
    )


def nul_error(source: str | Path, number: int, column: int, offset: int) -> CorpusError:
    return CorpusError(
        f"{source}:{number}: NUL byte at column {column} (byte {offset:,}): not a UTF-8 text file "
        "(binary, or UTF-16: re-encode it as UTF-8)"
    )


def iter_raw_lines(
    handle: BinaryIO,
    source: str | Path,
    universal: bool = True,
    limit: int | None = None,
) -> Iterator[tuple[int, int, bytes]]:
    """(line number from 1, byte offset of its start, the line's bytes with its line end), read in chunks.

    `universal`: "\\r\\n", "\\n" and a lone "\\r" end lines (as Python's text files read them); otherwise only
    "\\n" does. A line longer than `limit` bytes (default MAX_LINE_BYTES; line end not counted) is a
    CorpusError naming its offset.
    """
    limit = MAX_LINE_BYTES if limit is None else limit
    number, offset = 0, 0
    carry = b""
    while True:
        chunk = handle.read(READ_CHUNK)
        data = carry + chunk if carry else chunk
        if not data:
            return
        lines = data.splitlines(keepends=True) if universal else data.split(b"\n")
        if not universal:  # split() drops the "\n": put it back on every piece but the last
            lines = [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        carry = b""
        if chunk and lines and not lines[-1].endswith(b"\n"):
            # The last piece may go on in the next chunk (a "\r" there may be half of "\r\n").
            carry = lines.pop()
        for line in lines:
            number += 1
            if len(line) > limit and len(line) - _ending_length(line) > limit:
                raise line_too_long(source, number, offset, limit)
            yield number, offset, line
            offset += len(line)
        if len(carry) - _ending_length(carry) > limit:
            raise line_too_long(source, number + 1, offset, limit)
        if not chunk:
            return


def _ending_length(line: bytes) -> int:
    if line.endswith(b"\r\n"):
        return 2
    return 1 if line.endswith((b"\n", b"\r")) else 0


def strip_line_end(line: bytes) -> bytes:
    return line[: len(line) - _ending_length(line)]


def decode_line(line: bytes, source: str | Path, number: int, offset: int) -> str:
    """One line as text: UTF-8, the BOM of the first line dropped, a NUL byte refused."""
    if b"\x00" in line:
        text = line[: line.index(b"\x00")].decode("utf-8", errors="replace")
        raise nul_error(source, number, len(text.lstrip("\ufeff")) + 1, offset + line.index(b"\x00"))
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{source}:{number}: not valid UTF-8 (byte {offset + error.start}); re-encode the file as UTF-8"
        ) from None
    return text[1:] if number == 1 and text.startswith("\ufeff") else text


def decode(data: bytes | bytearray, source: str | Path) -> str:
    """UTF-8 text with a leading BOM dropped; an error names the line of the first bad byte (or NUL)."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line_start = max(data.rfind(b"\n", 0, nul), data.rfind(b"\r", 0, nul)) + 1
        column = len(bytes(data[line_start:nul]).decode("utf-8", errors="replace").lstrip("\ufeff")) + 1
        raise nul_error(source, _line_of(data, nul), column, nul)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{source}:{_line_of(data, error.start)}: not valid UTF-8 (byte {error.start}); "
            "re-encode the file as UTF-8"
        ) from None


def _line_of(data: bytes | bytearray, offset: int) -> int:
    """The number of the line holding byte `offset`, counting "\\r\\n", "\\n" and "\\r" line ends."""
    head = bytes(data[:offset])
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _check_file(path: Path) -> None:
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a directory, expected a file")


def read_raw_stream(handle: BinaryIO, source: str | Path) -> str:
    """A whole stream as text, read in chunks (a line past MAX_LINE_BYTES stops it), line ends untouched."""
    data = bytearray()
    for _, _, line in iter_raw_lines(handle, source):
        data += line
    return decode(data, source)


def read_raw_text(path: str | Path) -> str:
    """The file decoded as UTF-8 (BOM dropped) with its line ends untouched, so offsets match the file."""
    path = Path(path)
    _check_file(path)
    with open(path, "rb") as handle:
        return read_raw_stream(handle, path)


def read_text(path: str | Path) -> str:
    """The whole file as text: UTF-8 (a BOM is dropped), Windows and old Mac line ends normalised."""
    return read_raw_text(path).replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its line end), streamed: memory does not grow with the file.

    UTF-8 with an optional BOM; Windows and old Mac line ends read as line ends. A decoding error, a NUL
    byte or a line longer than MAX_LINE_BYTES is a CorpusError naming the line.
    """
    path = Path(path)
    _check_file(path)
    with open(path, "rb") as handle:
        for number, offset, line in iter_raw_lines(handle, path):
            if b"\x00" in line or number == 1:
                yield number, decode_line(strip_line_end(line), path, number, offset)
                continue
            try:  # the common case inline: this loop runs once per line of every corpus
                yield number, line.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                decode_line(line, path, number, offset)  # raises, naming the byte


def truncation_hint(source: str | Path, number: int) -> str:
    """A note for errors on the last line of a file that stops without a line end (a cut-off download)."""
    last: tuple[int, bytes] | None = None
    try:
        with open(source, "rb") as handle:
            for line_number, _, line in iter_raw_lines(handle, source):
                last = (line_number, line[-1:])
    except (OSError, CorpusError):
        return ""
    if last and last[0] == number and last[1] not in (b"\n", b"\r"):
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
    if 2 <= len(tokens) <= 20 and not looks_word_tag(tokens, separator):
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


def is_word_tag(token: str, separator: str) -> bool:
    return split_word_tag(token, separator) is not None


def looks_word_tag(tokens: list[str], separator: str) -> bool:
    """Most tokens (and at least two) are word/TAG: a word/TAG sentence, even where one token is broken."""
    tagged = sum(is_word_tag(token, separator) for token in tokens)
    return tagged >= 2 and tagged * 2 > len(tokens)


def format_hint(line: str, actual: str, separator: str = "/") -> str:
    guessed = guess_line_format(line, separator)
    if guessed and guessed != actual:
        return f"; this line looks like {FORMAT_NAMES[guessed]}: try --format {guessed}"
    return ""


def first_bad_token(tokens: list[str], separator: str) -> str:
    return quoted(next((token for token in tokens if not is_word_tag(token, separator)), ""))


FORMAT_NAMES = {
    "conllu": "CoNLL-U",
    "wordtag": "word/TAG tokens",
    "columns": "word and tag columns",
}
